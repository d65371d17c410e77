import type { HealRefusal } from "../model/heal-refusal.js";

/** The longest wait between two asks: a repository put back into the installation is healed within a day. */
export const MAX_HEAL_BACKOFF_MS = 24 * 3_600_000;

/**
 * Pure: the refusal after one more refused ask. Each wait doubles from one sweep interval, up to a
 * day: a repository Sluice can no longer read costs one failed request a day, not one a sweep.
 */
export function healRefused(kept: HealRefusal | undefined, status: number, now: number, intervalMs: number): HealRefusal {
  const attempts = (kept?.attempts ?? 0) + 1;
  const wait = Math.min(MAX_HEAL_BACKOFF_MS, intervalMs * 2 ** attempts);
  return { status, attempts, since: kept?.since ?? now, nextAt: now + wait };
}
