import { createHmac, timingSafeEqual } from "node:crypto";

/** `sha256=<hex>`: HMAC-SHA256 of the exact bytes sent, as GitHub's `X-Hub-Signature-256`. */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** A receiver's check of `X-Sluice-Signature-256` over the raw body, in constant time. */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}
