/**
 * The least time a closed PR's own event is waited for, whatever `reconcile_interval` says: a short
 * interval (seconds) must not make a delivery GitHub made a few seconds late, or a busy Sluice
 * acted on late, count as lost.
 */
export const CLOSE_EVENT_GRACE_MS = 30_000;

/**
 * How long after a close its own event still acts (its apply on merge among it): one sweep, and
 * never less than CLOSE_EVENT_GRACE_MS. Past it the heal owns the close, and says a merge it did
 * not hear of in time was not applied: an apply on merge is never run later than this.
 */
export const closeEventGraceMs = (reconcileIntervalMs: number): number => Math.max(reconcileIntervalMs, CLOSE_EVENT_GRACE_MS);
