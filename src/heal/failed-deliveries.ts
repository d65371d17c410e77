import type { HookDelivery } from "../model/hook-delivery.js";

/**
 * Answers a redelivery may change: nothing answered (the app down or unreachable, or slower than
 * GitHub waits), a server error (a store fault, a full disk), 408 and 429. A 4xx the app gave on
 * purpose (a wrong signature, a malformed body) says the same again.
 */
const worthAgain = (code: number) => code === 0 || code === 408 || code === 429 || code >= 500;

/** Which failed deliveries a redelivery would act on too late to be asked for. */
export interface RedeliveryLimits {
  /** The instant of the look, in ms since the epoch. */
  now: number;
  /**
   * How long after a pull request's close its own event still acts (closeEventGraceMs). Past it
   * the heal owns that close and says a merge it missed was not applied; redelivered then, the
   * event would run the merge's apply late, which Sluice never does.
   */
  closeGraceMs: number;
}

/**
 * Pure: the deliveries to ask GitHub for again, one attempt per delivery (its latest): those whose
 * every attempt failed in a way a redelivery may mend. A delivery any attempt of which the app
 * answered with success (2xx or 3xx, as GitHub counts it) is never sent again; nor one whose
 * latest answer was a refusal on purpose; nor one whose own attempt (made when the event happened)
 * is not among `attempts` (older than the window read: only its redeliveries are); nor a pull
 * request's close whose own attempt is older than `closeGraceMs`.
 */
export function deliveriesToRedeliver(attempts: readonly HookDelivery[], limits: RedeliveryLimits): HookDelivery[] {
  const latest = new Map<string, HookDelivery>();
  // The attempt GitHub made when the event happened: the window is measured from it, not from the
  // latest redelivery (each look's own would keep a delivery answered 5xx every time in it for good).
  const own = new Map<string, number>();
  const answered = new Set<string>();
  for (const a of attempts) {
    if (a.statusCode >= 200 && a.statusCode < 400) answered.add(a.guid);
    const seen = latest.get(a.guid);
    if (!seen || a.at > seen.at || (a.at === seen.at && a.id > seen.id)) latest.set(a.guid, a);
    if (!a.redelivery) own.set(a.guid, a.at);
  }
  const inTime = (a: HookDelivery) => {
    const at = own.get(a.guid);
    if (at === undefined) return false;
    return !(a.event === "pull_request" && a.action === "closed" && limits.now - at > limits.closeGraceMs);
  };
  return [...latest.values()]
    .filter((a) => !answered.has(a.guid) && worthAgain(a.statusCode) && inTime(a))
    .sort((a, b) => a.at - b.at || a.id - b.id);
}

/** What a redeliverer asked GitHub for, by delivery GUID: the attempt it named, and when. */
export type AskedRedeliveries = ReadonlyMap<string, { attempt: number; at: number }>;

/**
 * How long GitHub may take to make a redelivery it accepted (202) and list it as a new attempt
 * before the same attempt is asked for again (GitHub's answer does not say it will ever be made).
 */
export const REDELIVERY_WAIT_MS = 2 * 60_000;

/**
 * Pure: of the deliveries to redeliver, those not asked for already. A delivery whose latest
 * attempt is the one asked for, less than `waitMs` ago, is still GitHub's to make: asked again,
 * it would be sent twice (dropped as a duplicate, but an API call and a place in the look's
 * `MAX_PER_LOOK` spent each look, keeping a backlog's later deliveries waiting). A newer attempt
 * (the redelivery, failed too) is asked for at once.
 */
export function notAskedYet(
  failed: readonly HookDelivery[],
  asked: AskedRedeliveries,
  now: number,
  waitMs = REDELIVERY_WAIT_MS,
): HookDelivery[] {
  return failed.filter((d) => {
    const a = asked.get(d.guid);
    return !a || a.attempt !== d.id || now - a.at >= waitMs;
  });
}
