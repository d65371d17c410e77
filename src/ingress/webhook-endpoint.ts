import type { IncomingMessage, ServerResponse } from "node:http";
import { countedEvent } from "./counted-event.js";
import { type DeliveryReceiver, persistDelivery } from "./persist-delivery.js";
import { isRefusal, verifyDelivery } from "./verify-delivery.js";
import {
  MAX_BUFFERED_WEBHOOK_BYTES,
  MAX_WEBHOOK_BYTES,
  readBody,
  refuseTooLarge,
  replyJson,
  WEBHOOK_BODY_DEADLINE_MS,
} from "./webhook-body.js";

export interface WebhookEndpointOptions extends DeliveryReceiver {
  secret: string;
  maxBodyBytes?: number;
  /** Bytes held at once for bodies not verified yet, all requests together; past it: 503. */
  maxBufferedBytes?: number;
  /** How long a body may take to arrive, from the request's start; past it: 408, connection cut. */
  bodyDeadlineMs?: number;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Metrics: signed deliveries by event, and refusals by reason. */
  count?: { received(event: string): void; rejected(reason: "method" | "too_large" | "signature" | "bad_request" | "busy" | "slow"): void };
  /** Told when a delivery starts to be received; the function it returns, once it is answered. */
  receiving?: () => () => void;
}

/** One request's share of the bytes held for bodies not verified yet. */
interface BodyShare {
  take(n: number): boolean;
  /** Gives the share back early (the body was refused); the rest is given back when the request ends. */
  release(): void;
  /** For the log: held by every request now, and the budget. */
  held(): { buffered: number; budget: number };
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
    const share: BodyShare = {
      take: (n) => {
        if (buffered + n > budget) return false;
        buffered += n;
        held += n;
        return true;
      },
      release: () => {
        buffered -= held;
        held = 0;
      },
      held: () => ({ buffered, budget }),
    };
    try {
      await handle(opts, { limit, deadline }, req, res, share);
    } finally {
      buffered -= held;
      answered?.();
    }
  };
}

async function handle(
  opts: WebhookEndpointOptions,
  { limit, deadline }: { limit: number; deadline: number },
  req: IncomingMessage,
  res: ServerResponse,
  share: BodyShare,
): Promise<void> {
  if (req.method !== "POST") {
    opts.count?.rejected("method");
    return replyJson(res, 405, "webhooks are POSTed");
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    opts.count?.rejected("too_large");
    return refuseTooLarge(req, res, limit);
  }
  const body = await readBody(req, limit, share.take, deadline);
  if (typeof body === "string") {
    share.release();
    return refuseBody(opts, { limit, deadline }, req, res, body, share.held());
  }
  const delivery = verifyDelivery(opts.secret, req.headers, body);
  if (isRefusal(delivery)) {
    opts.log.warn(delivery.log.obj, delivery.log.msg);
    opts.count?.rejected(delivery.reason);
    return replyJson(res, delivery.status, delivery.message);
  }
  opts.count?.received(countedEvent(delivery.name));
  return persistDelivery(opts, delivery, res);
}

/** A body that did not arrive whole: too slow (408, cut), the budget spent (503), too large (413). */
function refuseBody(
  opts: WebhookEndpointOptions,
  { limit, deadline }: { limit: number; deadline: number },
  req: IncomingMessage,
  res: ServerResponse,
  why: "slow" | "busy" | "too-large",
  { buffered, budget }: { buffered: number; budget: number },
): void {
  const deliveryId = req.headers["x-github-delivery"];
  if (why === "slow") {
    opts.log.warn(
      { deliveryId, deadlineMs: deadline },
      "webhook refused (408): its body did not arrive in time (GitHub gives up after 10 s)",
    );
    opts.count?.rejected("slow");
    res.writeHead(408, { connection: "close" }).end();
    req.destroy();
    return;
  }
  if (why === "busy") {
    opts.log.warn(
      { deliveryId, buffered, budget },
      "webhook refused (503): the budget of bytes held for bodies not yet verified is spent (many large requests at once)",
    );
    opts.count?.rejected("busy");
    refuseTooLarge(req, res, limit, true);
    return;
  }
  opts.count?.rejected("too_large");
  refuseTooLarge(req, res, limit);
}
