import { createHash } from "node:crypto";
import { stripControl } from "./sanitize.js";

/** Secrets shorter than this are ignored: redacting "abc" everywhere would wreck the output. */
export const MIN_SECRET = 4;
/** Base64 fragments of shorter secrets would match random base64 in plans too often. */
const MIN_BASE64_SECRET = 8;

/**
 * The ways a secret shows up in output besides verbatim: after our own control stripping, with
 * CR LF line ends (terminal output), URL-encoded (in clone URLs), JSON-escaped (in plan JSON and
 * logs), and base64 at each of the three byte alignments, so it is found inside a longer base64
 * string too — git sends `Authorization: Basic base64("x-access-token:" + token)`. For an
 * embedded secret only the base64 characters that depend on the secret's bytes alone are stable,
 * so the edges are trimmed.
 *
 * Also what a template or script most often makes of a secret on the way out: its upper- and
 * lower-case forms, JSON as Go writes it (terraform's `show -json` escapes `<`, `>` and `&`), hex
 * of its bytes, base64url, and the hex and base64 digests a checksum annotation or `sha256()`
 * prints (a posted digest lets a reader test guesses offline). A transform not listed here
 * (`join("-", split("", …))`) is not found by text: terraform's sensitive marks and the canary
 * renders of Kubernetes plans cover those.
 */
export function secretVariants(secret: string): string[] {
  const variants = new Set<string>([secret, stripControl(secret)]);
  // A terminal (the pty plans run under) prints every line feed as CR LF.
  if (secret.includes("\n")) variants.add(secret.replace(/\r?\n/g, "\r\n"));
  try {
    variants.add(encodeURIComponent(secret));
  } catch {
    // Lone surrogates cannot be URI-encoded; such a secret cannot appear URI-encoded either.
  }
  const json = JSON.stringify(secret).slice(1, -1);
  variants.add(json);
  variants.add(goJson(json));
  variants.add(secret.toUpperCase());
  variants.add(secret.toLowerCase());

  const bytes = Buffer.from(secret, "utf8");
  if (bytes.length >= MIN_BASE64_SECRET) {
    variants.add(bytes.toString("hex"));
    variants.add(bytes.toString("hex").toUpperCase());
    variants.add(bytes.toString("base64url").replace(/=+$/, ""));
    for (const algorithm of ["sha256", "sha1", "md5", "sha512"]) {
      const digest = createHash(algorithm).update(bytes).digest();
      variants.add(digest.toString("hex"));
      variants.add(digest.toString("hex").toUpperCase());
      variants.add(digest.toString("base64").replace(/=+$/, ""));
    }
    for (const offset of [0, 1, 2]) {
      const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
      const encoded = padded.toString("base64").replace(/=+$/, "");
      // Leading chars mixing pad bits: 0, 2 or 3; a trailing char mixing in the next byte: 1 if
      // the length is not a multiple of 3.
      const head = [0, 2, 3][offset] as number;
      const tail = padded.length % 3 === 0 ? 0 : 1;
      variants.add(encoded.slice(head, encoded.length - tail));
    }
  }
  return [...variants].filter((v) => v.length >= MIN_SECRET);
}

/** JSON text as Go's encoder writes it: HTML-sensitive characters and the JS line separators as \u escapes. */
function goJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
