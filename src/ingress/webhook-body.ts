import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * A webhook request's body, before anything trusts it: read under its limits (size, the budget of
 * bytes held for bodies not verified yet, a deadline), its signature checked on the exact bytes,
 * then parsed. The endpoint (webhook-endpoint.ts) decides what each outcome answers.
 */

/** GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
/**
 * Bytes held, across requests, for bodies whose signature is not checked yet: four bodies at
 * GitHub's cap. Without a budget anyone who reaches the endpoint holds up to 25 MB per connection
 * they open, until the process (its job thread and the applies there) runs out of memory.
 */
export const MAX_BUFFERED_WEBHOOK_BYTES = 4 * MAX_WEBHOOK_BYTES;
/**
 * How long a body may take to arrive. GitHub gives up on a delivery after 10 seconds, so a body
 * still uploading past this is no delivery of GitHub's: it is cut and its share of the budget given
 * back. Without it a client that sends most of a body and stalls held its share for as long as
 * Node kept the connection (5 minutes), and a few of them had every delivery answered 503.
 */
export const WEBHOOK_BODY_DEADLINE_MS = 15_000;

/** The endpoint's JSON answer: `{ok, message}` under 300, `{error}` otherwise. */
export function replyJson(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(status < 300 ? { ok: true, message } : { error: message }));
}

/** How long a refused oversized request may keep sending while it reads the 413. */
const DRAIN_MS = 5_000;

/**
 * Answers 413 (503 when the budget is spent) at once, without parsing anything. The answer is
 * written completely but the response is only ended once the rest of the body has been read and
 * dropped: ending it closes the connection (GitHub and most clients send `Connection: close`), and
 * closing while the client is still uploading resets it before it can read the answer. Bounded:
 * past twice the limit, or after a few seconds, the connection is cut, so an endless body cannot
 * hold it open.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number, busy = false): void {
  const body = JSON.stringify({
    error: busy ? "too many webhook bodies are being received at once: redeliver later" : `payload over ${limit} bytes`,
  });
  res.writeHead(busy ? 503 : 413, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    connection: "close",
    ...(busy ? { "retry-after": "60" } : {}),
  });
  res.write(body);
  let drained = 0;
  let finished = false;
  const finish = (cut: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    res.end();
    if (cut) req.destroy();
  };
  const timer = setTimeout(() => finish(true), DRAIN_MS);
  timer.unref();
  req.on("data", (c: Buffer) => {
    drained += c.length;
    if (drained > 2 * limit) finish(true);
  });
  req.once("end", () => finish(false));
  req.once("close", () => finish(false));
  req.resume();
}

/** HMAC-SHA256 of the exact bytes received, compared in constant time. */
export function signatureMatches(secret: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The delivery's JSON object, or why there is none. GitHub sends JSON, or a form with the JSON in
 * its `payload` field when the hook's content type is `form` (the signature covers the form's bytes).
 */
export function parsePayload(body: Buffer, contentType: string | undefined): object | string {
  let text = body.toString("utf8");
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType ?? "")) {
    // Exactly GitHub's form: one field, `payload`. The content type is not signed: a JSON body
    // whose text (a comment, a commit message) holds `&payload=…` must not be read as a form
    // whose payload is whatever JSON its writer put there.
    const form = new URLSearchParams(text);
    const field = form.get("payload");
    if (field === null || !text.startsWith("payload=") || [...form.keys()].length !== 1)
      return "form body other than a single payload field";
    text = field;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return "payload is not JSON";
  }
  return payload !== null && typeof payload === "object" && !Array.isArray(payload) ? payload : "payload is not a JSON object";
}

/** `take(n)`: whether n more bytes fit in the budget of bytes held for unverified bodies (and counts them). */
export function readBody(
  req: IncomingMessage,
  limit: number,
  take: (n: number) => boolean,
  deadlineMs: number,
): Promise<Buffer | "too-large" | "busy" | "slow"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      chunks.length = 0;
      resolve("slow");
    }, deadlineMs);
    timer.unref();
    req.once("close", () => clearTimeout(timer));
    req.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      const over = size > limit ? "too-large" : take(c.length) ? undefined : "busy";
      if (over) {
        done = true;
        // Stop buffering at once: what is already held is dropped, the rest is drained by the caller.
        chunks.length = 0;
        resolve(over);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      clearTimeout(timer);
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
