import { createHash, createHmac } from "node:crypto";

export interface SecretHashing {
  /**
   * With a key the marker is an HMAC: a short unkeyed hash of a weak password ("hunter2") can be
   * looked up in a dictionary by anyone who reads the PR. One key per plan keeps base and head
   * comparable. Without a key: plain `sha256:`.
   */
  key?: string;
}

/** `sha256:<first 12 hex>` (or `hmac:<first 12 hex>` with a key) of one value. */
export function secretMarker(value: string, hashing: SecretHashing = {}): string {
  if (hashing.key !== undefined) {
    return `hmac:${createHmac("sha256", hashing.key).update(value, "utf8").digest("hex").slice(0, 12)}`;
  }
  return `sha256:${createHash("sha256").update(value, "utf8").digest("hex").slice(0, 12)}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const text = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? String(v)));

/** A base64 `data` value as text, when it decodes to clean UTF-8 (what a redactor can then find). */
function decodedBase64(value: string): string | undefined {
  const compact = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  const decoded = Buffer.from(compact, "base64").toString("utf8");
  return decoded.includes("\uFFFD") ? undefined : decoded;
}

/**
 * Replaces every value under a core/v1 Secret's `data` and `stringData` by its marker, in place,
 * and returns the replaced values (raw and, for `data`, decoded) so the caller can register them
 * with the redactor: a tool error that echoes the manifest must not leak them either.
 */
export function hashSecretValues(body: Record<string, unknown>, hashing: SecretHashing = {}): string[] {
  const found: string[] = [];
  for (const field of ["data", "stringData"] as const) {
    const section = body[field];
    if (section === undefined || section === null) continue;
    if (!isRecord(section)) {
      // Malformed, but still never shown.
      found.push(text(section));
      body[field] = secretMarker(text(section), hashing);
      continue;
    }
    for (const [name, value] of Object.entries(section)) {
      const raw = text(value);
      found.push(raw);
      if (field === "data") {
        const decoded = decodedBase64(raw);
        if (decoded !== undefined) found.push(decoded);
      }
      // Hash what the API server stores, so moving a value from stringData to data is no change.
      const stored = field === "data" ? (decodedBase64(raw) ?? raw) : raw;
      section[name] = secretMarker(stored, hashing);
    }
  }
  return found;
}
