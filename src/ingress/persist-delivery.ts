import type { ServerResponse } from "node:http";
import { isDiskFull } from "../util/disk-reserve.js";
import { errorMessage } from "../util/errors.js";
import type { Delivery } from "./verify-delivery.js";
import { replyJson } from "./webhook-body.js";

/** What storing a verified delivery needs of the endpoint's options. */
export interface DeliveryReceiver {
  /** Persists what the delivery asks for; resolves once it is durable. Throws on a store fault. */
  receive: (delivery: Delivery) => Promise<void>;
  log: { error(obj: object, msg: string): void };
  /** The data dir's reserve (see DiskReserve): given up when the volume is full, kept again after. */
  reserve?: { release(): Promise<boolean>; afterWrite(): Promise<void> };
}

/** Stores a verified delivery and answers 202 once it is durable; 500 or 503 when it is not. */
export async function persistDelivery(opts: DeliveryReceiver, delivery: Delivery, res: ServerResponse): Promise<void> {
  try {
    await opts.receive(delivery);
  } catch (e) {
    if (isDiskFull(e)) return receiveOnFullDisk(opts, delivery, res, e);
    // Not persisted: a 5xx makes the delivery show as failed in GitHub, where it can be redelivered.
    opts.log.error({ deliveryId: delivery.id, err: errorMessage(e) }, "could not persist delivery");
    return replyJson(res, 500, "could not persist the delivery");
  }
  void opts.reserve?.afterWrite();
  return replyJson(res, 202, "accepted");
}

/**
 * The data volume is full (a run, or anything else, filled it): the reserve is given up and the
 * delivery stored with its space; with no reserve left, a 503 says why, and GitHub shows the
 * delivery as failed, to be redelivered once space is freed.
 */
async function receiveOnFullDisk(opts: DeliveryReceiver, delivery: Delivery, res: ServerResponse, first: unknown): Promise<void> {
  if (opts.reserve && (await opts.reserve.release())) {
    opts.log.error(
      { deliveryId: delivery.id, err: errorMessage(first) },
      "the data volume is full: gave up the reserve to record this delivery; free space on it",
    );
    try {
      await opts.receive(delivery);
      return replyJson(res, 202, "accepted");
    } catch (e) {
      if (!isDiskFull(e)) {
        opts.log.error({ deliveryId: delivery.id, err: errorMessage(e) }, "could not persist delivery");
        return replyJson(res, 500, "could not persist the delivery");
      }
    }
  }
  opts.log.error(
    { deliveryId: delivery.id, err: errorMessage(first) },
    "the data volume is full: delivery not recorded (answered 503); free space, then redeliver it",
  );
  res.setHeader("Retry-After", "60");
  return replyJson(
    res,
    503,
    "the data volume of this Sluice server is full: the delivery was not recorded; redeliver it once space is freed",
  );
}
