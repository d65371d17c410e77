import { parse } from "yaml";

/** Shorter strings are left out: a user's name or `true` is no secret, and would redact common words. */
const MIN_SECRET_LENGTH = 8;

/**
 * What a kubeconfig's text holds that must never be shown: every string under its `users` (tokens,
 * passwords, client keys and certificates, an exec plugin's env and args, an auth provider's
 * config). A text that is not such YAML counts whole, token by token: a file Sluice cannot read as
 * a kubeconfig is redacted more, never less.
 */
export function kubeconfigSecrets(text: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    doc = undefined;
  }
  const users = typeof doc === "object" && doc !== null ? (doc as { users?: unknown }).users : undefined;
  if (!Array.isArray(users)) return text.split(/\s+/).filter((t) => t.length >= MIN_SECRET_LENGTH);
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      if (value.length >= MIN_SECRET_LENGTH) found.push(value);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (typeof value === "object" && value !== null) {
      for (const v of Object.values(value)) visit(v);
    }
  };
  for (const user of users) visit(typeof user === "object" && user !== null ? (user as { user?: unknown }).user : undefined);
  return found;
}
