import type { HookDelivery } from "../model/hook-delivery.js";
import { errorMessage } from "../util/errors.js";
import { sweepEvery } from "../util/sweep-every.js";
import { deliveriesToRedeliver, notAskedYet } from "./failed-deliveries.js";

/** At most this many redeliveries asked for in one look: an outage's backlog goes over a few looks, not in one burst. */
const MAX_PER_LOOK = 100;

export interface WebhookRedelivererOptions {
  /** The app's delivery attempts since an instant, newest first (GitHub, app JWT). */
  deliveriesSince(sinceMs: number): Promise<HookDelivery[]>;
  /** Asks GitHub to send one attempt's delivery again. */
  redeliver(id: number): Promise<void>;
  /** How often (server setting `reconcile_interval`). At start too. */
  intervalMs: number;
  /** How far back failed deliveries are sent again (server setting `redeliver_within`). */
  withinMs: number;
  /** How long after a pull request's close its own event still acts (closeEventGraceMs). */
  closeGraceMs: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Metrics: a redelivery asked for, or refused by GitHub. */
  counted?(outcome: "asked" | "refused"): void;
  /** The clock (tests set it). */
  now?: () => number;
}

/**
 * GitHub does not send a failed webhook delivery again by itself (its docs ask the receiver to):
 * an event that came while Sluice was down, restarting or out of disk is asked for again at start
 * and then on every heal interval, as far back as `redeliver_within`. Each comes back under its
 * own GUID, so one Sluice stored after all (GitHub timed out first) is not acted on twice, and a
 * command whose comment was deleted or edited since runs nothing (its comment is read again). A
 * pull request's close is asked for only while its own event still acts: later, the heal owns it
 * (an apply on merge is never run late).
 */
export function startWebhookRedeliverer(opts: WebhookRedelivererOptions): { sweep(): Promise<number>; stop(): void } {
  // What this replica asked for and GitHub has not listed as made yet (each replica asks on its own).
  const pending = new Map<string, { attempt: number; at: number }>();
  const lookOnce = async (): Promise<number> => {
    const now = (opts.now ?? Date.now)();
    const due = deliveriesToRedeliver(await opts.deliveriesSince(now - opts.withinMs), { now, closeGraceMs: opts.closeGraceMs });
    // A delivery answered since, or out of the window, is not asked for any more: forgotten here too.
    const stillDue = new Set(due.map((d) => d.guid));
    for (const guid of pending.keys()) if (!stillDue.has(guid)) pending.delete(guid);
    const failed = notAskedYet(due, pending, now);
    let asked = 0;
    for (const d of failed.slice(0, MAX_PER_LOOK)) {
      try {
        await opts.redeliver(d.id);
        pending.set(d.guid, { attempt: d.id, at: now });
        asked++;
        opts.counted?.("asked");
        opts.log.info(
          { guid: d.guid, attempt: d.id, event: d.event, action: d.action, failedWith: d.statusCode || "no answer" },
          "webhook delivery GitHub could not make asked for again",
        );
      } catch (e) {
        opts.counted?.("refused");
        opts.log.warn({ guid: d.guid, attempt: d.id, err: errorMessage(e) }, "GitHub refused to send a failed webhook delivery again");
      }
    }
    if (failed.length > MAX_PER_LOOK)
      opts.log.info({ left: failed.length - MAX_PER_LOOK }, "more failed webhook deliveries are asked for again at the next look");
    return asked;
  };
  return sweepEvery(lookOnce, opts.intervalMs, (e) =>
    opts.log.error({ err: errorMessage(e) }, "could not read the app's webhook deliveries from GitHub"),
  );
}
