import { parse } from "yaml";

/** Shorter values are left out: a flag or a short name would redact common words in every plan. */
export const MIN_SECRET_LENGTH = 8;

/** A key whose value is a credential in the files clouds and tools read (JSON keys, INI profiles, .env). */
const SECRET_KEY = /secret|token|password|passwd|private|credential|key|auth|session/i;

/**
 * The values inside a credential file that are secrets on their own: the whole file is redacted
 * already, but a run can print one field of it (`private_key` of a Google key file,
 * `aws_secret_access_key` of a profile), which the whole file's text does not match. JSON and
 * YAML documents give the strings under secret-looking keys (anywhere in the document), `key =
 * value`, `key: value` and `KEY=value` lines give theirs; anything else gives nothing more.
 */
export function credentialFileSecrets(text: string): string[] {
  const found = new Set<string>();
  const keep = (key: string, value: string) => {
    const v = value.trim();
    if (v.length >= MIN_SECRET_LENGTH && SECRET_KEY.test(key)) found.add(v);
  };
  const doc = structured(text);
  if (doc !== undefined) eachString(doc, keep);
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z0-9_.-]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m) keep(m[1] as string, unquote(m[2] as string));
  }
  return [...found];
}

/** Every string leaf of a parsed document, with the key it is under (a list's items: the list's key). */
export function eachString(value: unknown, fn: (key: string, value: string) => void, key = ""): void {
  if (typeof value === "string") fn(key, value);
  else if (Array.isArray(value)) for (const v of value) eachString(v, fn, key);
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) eachString(v, fn, k);
}

/** A JSON or YAML mapping or list, or undefined for anything else (an INI file, a PEM key). */
function structured(text: string): unknown {
  try {
    const doc: unknown = parse(text);
    return typeof doc === "object" && doc !== null ? doc : undefined;
  } catch {
    return undefined;
  }
}

const unquote = (v: string) => (/^(["']).*\1$/.test(v) ? v.slice(1, -1) : v);
