import { parse } from "yaml";
import { eachString, MIN_SECRET_LENGTH } from "./credential-file-secrets.js";

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
  // A user's name or `true` is no secret, and would redact common words: short strings are left out.
  for (const user of users)
    eachString(typeof user === "object" && user !== null ? (user as { user?: unknown }).user : undefined, (_, v) => {
      if (v.length >= MIN_SECRET_LENGTH) found.push(v);
    });
  return found;
}
