import type { HookDelivery } from "../model/hook-delivery.js";

/**
 * Answers a redelivery may change: nothing answered (the app down or unreachable, or slower than
 * GitHub waits), a server error (a store fault, a full disk), 408 and 429. A 4xx the app gave on
 * purpose (a wrong signature, a malformed body) says the same again.
 */
const worthAgain = (code: number) => code === 0 || code === 408 || code === 429 || code >= 500;

/**
 * A pull request's close is left to the heal: a merge Sluice did not hear of in time is never
 * applied late (the heal releases its locks and says so on the PR); redelivered, it would race
 * the heal and apply on merge or not by which came first.
 */
const leftToHeal = (a: HookDelivery) => a.event === "pull_request" && a.action === "closed";

/**
 * Pure: the deliveries to ask GitHub for again, one attempt per delivery (its latest): those whose
 * every attempt failed in a way a redelivery may mend. A delivery any attempt of which the app
 * answered with success (2xx or 3xx, as GitHub counts it) is never sent again; nor one whose
 * latest answer was a refusal on purpose, nor a pull request's close (see leftToHeal).
 */
export function deliveriesToRedeliver(attempts: readonly HookDelivery[]): HookDelivery[] {
  const latest = new Map<string, HookDelivery>();
  const answered = new Set<string>();
  for (const a of attempts) {
    if (a.statusCode >= 200 && a.statusCode < 400) answered.add(a.guid);
    const seen = latest.get(a.guid);
    if (!seen || a.at > seen.at || (a.at === seen.at && a.id > seen.id)) latest.set(a.guid, a);
  }
  return [...latest.values()]
    .filter((a) => !answered.has(a.guid) && worthAgain(a.statusCode) && !leftToHeal(a))
    .sort((a, b) => a.at - b.at || a.id - b.id);
}
