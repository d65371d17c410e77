import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * A random stand-in for each secret value, as long as the real one (at least 16 characters, so
 * it cannot equal it by chance) and made of letters and digits, so templates that check a
 * password's length or quote it still render.
 */
export function canarySecretSet(values: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const bytes = randomBytes(Math.max(16, value.length));
    let canary = "";
    for (const b of bytes) canary += ALPHABET[b % ALPHABET.length];
    out[key] = canary === value ? `${canary}x` : canary;
  }
  return out;
}
