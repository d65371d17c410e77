import type { IncomingMessage, ServerResponse } from "node:http";
import { isDiskFull } from "../util/disk-reserve.js";
import { errorMessage } from "../util/errors.js";
import {
  MAX_BUFFERED_WEBHOOK_BYTES,
  MAX_WEBHOOK_BYTES,
  parsePayload,
  readBody,
  refuseTooLarge,
  signatureMatches,
  WEBHOOK_BODY_DEADLINE_MS,
} from "./webhook-body.js";

export interface Delivery {
  id: string;
  name: string;
  payload: unknown;
}

export interface WebhookEndpointOptions {
  secret: string;
  maxBodyBytes?: number;
  /** Bytes held at once for bodies not verified yet, all requests together; past it: 503. */
  maxBufferedBytes?: number;
  /** How long a body may take to arrive, from the request's start; past it: 408, connection cut. */
  bodyDeadlineMs?: number;
  /** Persists what the delivery asks for; resolves once it is durable. Throws on a store fault. */
  receive: (delivery: Delivery) => Promise<void>;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Metrics: signed deliveries by event, and refusals by reason. */
  count?: { received(event: string): void; rejected(reason: "method" | "too_large" | "signature" | "bad_request" | "busy" | "slow"): void };
  /** The data dir's reserve (see DiskReserve): given up when the volume is full, kept again after. */
  reserve?: { release(): Promise<boolean>; afterWrite(): Promise<void> };
  /** Told when a delivery starts to be received; the function it returns, once it is answered. */
  receiving?: () => () => void;
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(status < 300 ? { ok: true, message } : { error: message }));
}

/**
 * POST /api/github/webhooks. The signature is checked on the raw bytes, in constant time, before
 * anything is parsed or stored; the answer is sent once the job is persisted, never after the work.
 */
export function createWebhookEndpoint(opts: WebhookEndpointOptions) {
  const limit = opts.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  const budget = opts.maxBufferedBytes ?? MAX_BUFFERED_WEBHOOK_BYTES;
  const deadline = opts.bodyDeadlineMs ?? WEBHOOK_BODY_DEADLINE_MS;
  let buffered = 0;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const answered = opts.receiving?.();
    // This request's share of the budget, given back however it ends.
    let held = 0;
    const take = (n: number) => {
      if (buffered + n > budget) return false;
      buffered += n;
      held += n;
      return true;
    };
    try {
      await handle(req, res, take, () => {
        buffered -= held;
        held = 0;
      });
    } finally {
      buffered -= held;
      answered?.();
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse, take: (n: number) => boolean, release: () => void): Promise<void> {
    if (req.method !== "POST") {
      opts.count?.rejected("method");
      return reply(res, 405, "webhooks are POSTed");
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      opts.count?.rejected("too_large");
      return refuseTooLarge(req, res, limit);
    }
    const signature = req.headers["x-hub-signature-256"];
    const id = req.headers["x-github-delivery"];
    const name = req.headers["x-github-event"];
    const body = await readBody(req, limit, take, deadline);
    if (body === "slow") {
      release();
      opts.log.warn(
        { deliveryId: id, deadlineMs: deadline },
        "webhook refused (408): its body did not arrive in time (GitHub gives up after 10 s)",
      );
      opts.count?.rejected("slow");
      res.writeHead(408, { connection: "close" }).end();
      req.destroy();
      return;
    }
    if (body === "busy") {
      release();
      opts.log.warn(
        { deliveryId: id, buffered, budget },
        "webhook refused (503): the budget of bytes held for bodies not yet verified is spent (many large requests at once)",
      );
      opts.count?.rejected("busy");
      return refuseTooLarge(req, res, limit, true);
    }
    if (body === "too-large") {
      release();
      opts.count?.rejected("too_large");
      return refuseTooLarge(req, res, limit);
    }
    // Only the sha256 signature counts: the legacy sha1 header alone is not enough.
    if (typeof signature !== "string" || !signature.startsWith("sha256=")) {
      opts.log.warn({ deliveryId: id }, "webhook without an X-Hub-Signature-256 header refused");
      opts.count?.rejected("signature");
      return reply(res, 401, "signature required");
    }
    // Over the raw bytes: decoding first would let bytes GitHub never signed (invalid UTF-8 that
    // decodes to U+FFFD) pass as the signed text.
    if (!signatureMatches(opts.secret, body, signature)) {
      opts.log.warn({ deliveryId: id }, "webhook with a wrong signature refused");
      opts.count?.rejected("signature");
      return reply(res, 401, "signature does not match");
    }
    if (typeof id !== "string" || !id || typeof name !== "string" || !name) {
      opts.log.warn({ deliveryId: id, event: name }, "signed webhook without X-GitHub-Delivery or X-GitHub-Event refused");
      opts.count?.rejected("bad_request");
      return reply(res, 400, "X-GitHub-Delivery and X-GitHub-Event headers are required");
    }
    // The id is not signed, and it is kept beside the act-once keys (`comment:…`, `click:…`, see
    // act-once-keys.ts): a captured body sent again under such an id would take a comment's or a
    // click's key before GitHub sends it, and that command would be dropped as a replay. GitHub's
    // ids (GUIDs) have no colon.
    if (id.includes(":")) {
      opts.log.warn({ deliveryId: id, event: name }, "signed webhook refused: its X-GitHub-Delivery has the form of an act-once key");
      opts.count?.rejected("bad_request");
      return reply(res, 400, "X-GitHub-Delivery is not a GitHub delivery id (it has a colon)");
    }
    const payload = parsePayload(body, req.headers["content-type"]);
    if (typeof payload === "string") {
      opts.log.warn({ deliveryId: id, event: name, contentType: req.headers["content-type"] }, `signed webhook refused: ${payload}`);
      opts.count?.rejected("bad_request");
      return reply(res, 400, payload);
    }
    opts.count?.received(name);
    const delivery = { id, name, payload };
    try {
      await opts.receive(delivery);
    } catch (e) {
      if (isDiskFull(e)) return receiveOnFullDisk(opts, delivery, res, e);
      // Not persisted: a 5xx makes the delivery show as failed in GitHub, where it can be redelivered.
      opts.log.error({ deliveryId: id, err: errorMessage(e) }, "could not persist delivery");
      return reply(res, 500, "could not persist the delivery");
    }
    void opts.reserve?.afterWrite();
    return reply(res, 202, "accepted");
  }
}

/**
 * The data volume is full (a run, or anything else, filled it): the reserve is given up and the
 * delivery stored with its space; with no reserve left, a 503 says why, and GitHub shows the
 * delivery as failed, to be redelivered once space is freed.
 */
async function receiveOnFullDisk(
  opts: WebhookEndpointOptions,
  delivery: { id: string; name: string; payload: unknown },
  res: ServerResponse,
  first: unknown,
): Promise<void> {
  if (opts.reserve && (await opts.reserve.release())) {
    opts.log.error(
      { deliveryId: delivery.id, err: errorMessage(first) },
      "the data volume is full: gave up the reserve to record this delivery; free space on it",
    );
    try {
      await opts.receive(delivery);
      return reply(res, 202, "accepted");
    } catch (e) {
      if (!isDiskFull(e)) {
        opts.log.error({ deliveryId: delivery.id, err: errorMessage(e) }, "could not persist delivery");
        return reply(res, 500, "could not persist the delivery");
      }
    }
  }
  opts.log.error(
    { deliveryId: delivery.id, err: errorMessage(first) },
    "the data volume is full: delivery not recorded (answered 503); free space, then redeliver it",
  );
  res.setHeader("Retry-After", "60");
  return reply(res, 503, "the data volume of this Sluice server is full: the delivery was not recorded; redeliver it once space is freed");
}
