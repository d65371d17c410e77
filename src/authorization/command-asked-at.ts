/** GitHub's `created_at` has whole seconds: a comment stamped `12:00:00Z` was written within that second. */
const STAMP_MS = 1_000;

/**
 * Whether a comment's command was surely asked before `instant` (Sluice's clock): its job was
 * stored before it, or its comment (`created_at`, GitHub's clock) was written in a second that
 * ended by then. A redelivered comment's job is stored long after it was written, and a job queued
 * behind others runs long after it was stored: what happened in between (a plan, a pause) is what
 * its writer never saw. A comment of the same second is given the benefit of the doubt.
 */
export function askedBefore(job: { createdAt: string; spec: { commentAt?: string } }, instant: string): boolean {
  return storedBefore(job, instant) || writtenBefore(job, instant);
}

/** Whether a command's job was stored before `instant`, both on Sluice's clock: its comment was written before too. */
export function storedBefore(job: { createdAt: string }, instant: string): boolean {
  const at = Date.parse(instant);
  return Number.isFinite(at) && Date.parse(job.createdAt) < at;
}

/**
 * The first instant (Sluice's clock, ISO) `askedBefore` holds for: anything stamped earlier may have
 * been there when the command was asked, anything stamped then or later surely was not. For a store
 * to act on "only what this command could have seen" in one statement (a pause to lift).
 */
export function askedBeforeFrom(job: { createdAt: string; spec: { commentAt?: string } }): string {
  const stored = Date.parse(job.createdAt) + 1;
  const written = job.spec.commentAt ? Date.parse(job.spec.commentAt) + STAMP_MS : Number.NaN;
  return new Date(Number.isFinite(written) ? Math.min(stored, written) : stored).toISOString();
}

/**
 * Whether a comment's command was surely written before `instant` by its comment's `created_at`
 * alone: for an instant a person could see only a moment after it (a plan's showing), where a bot's
 * command, stored a few milliseconds before it, was written after what it read. On GitHub's clock
 * (its `updated_at` of the edit that showed the plan, whole seconds too) this is "an earlier
 * second", no grace; on Sluice's (where GitHub gave no time) the second is the grace.
 */
export function writtenBefore(job: { spec: { commentAt?: string } }, instant: string): boolean {
  const at = Date.parse(instant);
  const written = job.spec.commentAt ? Date.parse(job.spec.commentAt) : Number.NaN;
  return Number.isFinite(at) && Number.isFinite(written) && written + STAMP_MS <= at;
}
