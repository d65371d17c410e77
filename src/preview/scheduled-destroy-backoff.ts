import type { DestroyAttempts } from "../model/destroy-schedule.js";

const HOUR = 3600_000;
/** The longest wait between two attempts: a destroy that keeps failing is still tried daily. */
export const MAX_DESTROY_BACKOFF_MS = 24 * HOUR;

/**
 * When the attempt after the `attempts`-th may start: 1 h, 2 h, 4 h … after it, at most a day.
 * Counted from the hour the attempt started in, since the checks that start attempts run once
 * per hour: "an hour later" is then the next check, not the one after it. A project whose apply
 * window was closed is tried again as soon as it opens, when that is sooner (a 24 h rhythm could
 * otherwise keep missing a short daily window).
 */
export function nextScheduledDestroyAttempt(attempts: number, startedAt: number, windowOpensAt?: number): number {
  const backoff = Math.floor(startedAt / HOUR) * HOUR + Math.min(HOUR * 2 ** Math.max(0, attempts - 1), MAX_DESTROY_BACKOFF_MS);
  return windowOpensAt !== undefined && windowOpensAt > startedAt ? Math.min(backoff, windowOpensAt) : backoff;
}

export type AttemptDecision =
  | { go: true; attempt: number; previous: string | undefined; issue: number | undefined }
  | { go: false; waitUntil: number };

/**
 * Whether a due destroy may be attempted now (pure). Attempts kept for another due destroy (the
 * workspace was applied again and is due anew) do not count: that one starts at attempt 1.
 */
export function scheduledDestroyAttempt(kept: DestroyAttempts | undefined, onceKey: string, now: number): AttemptDecision {
  if (!kept || kept.onceKey !== onceKey) return { go: true, attempt: 1, previous: undefined, issue: undefined };
  if (now < kept.nextAt) return { go: false, waitUntil: kept.nextAt };
  return { go: true, attempt: kept.attempts + 1, previous: kept.message, issue: kept.issue };
}

/**
 * Whether an attempt's outcome is posted: a success always (it happens once), a failure or
 * refusal only when it says something other than the attempt before it (the first one included).
 */
export function reportScheduledDestroyOutcome(
  outcome: { ok: true } | { ok: false; message: string },
  previous: string | undefined,
): boolean {
  return outcome.ok || outcome.message !== previous;
}

/**
 * The epoch ms by which an apply window's `opensAt` ("2027-01-04 00:00 UTC", as the gate words it)
 * has surely come: the minute after it, since the stamp drops the seconds. Undefined when it is
 * absent or not in that form.
 */
export function windowOpensAtMs(opensAt: string | undefined): number | undefined {
  const m = opensAt ? /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC$/.exec(opensAt) : null;
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}:00Z`);
  return Number.isFinite(ms) ? ms + 60_000 : undefined;
}
