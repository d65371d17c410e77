import { createHmac } from "node:crypto";

/** JSON with object keys sorted: one text per value, whatever order a tool printed its keys in. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A digest of an input's value, keyed with the server's plan key: stored with the plan so the
 * apply gate can tell whether the producer's output changed, without keeping the value (a
 * sensitive one cannot be guessed back from an unkeyed hash).
 */
export function inputDigest(key: string | Buffer, value: unknown): string {
  return createHmac("sha256", key).update(canonicalJson(value)).digest("hex").slice(0, 32);
}
