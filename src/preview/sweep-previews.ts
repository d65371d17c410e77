import type { PreviewRecord } from "../model/preview.js";
import { expiredBecause } from "./preview-expiry.js";

export type SweepAction =
  | { kind: "destroy"; preview: PreviewRecord; reason: string }
  | { kind: "check"; preview: PreviewRecord }
  | { kind: "interrupted"; preview: PreviewRecord };

/**
 * What the sweep does with each preview not yet destroyed (pure over the store's rows and now):
 * destroy those whose time is up, retry failed destroys when their backoff ends, finish destroys a
 * stopped process left, mark applies a stopped process left as failed (never re-applied by
 * itself), and ask GitHub now and then whether a live preview's PR is still open. `busy`: PRs
 * with a job queued or running, left alone this round.
 */
export function sweepPreviews(
  previews: readonly PreviewRecord[],
  now: number,
  busy: (p: PreviewRecord) => boolean,
  lastCheck: (p: PreviewRecord) => number | undefined,
  checkEveryMs: number,
): SweepAction[] {
  const out: SweepAction[] = [];
  for (const p of previews) {
    if (busy(p)) continue;
    const expired = expiredBecause(p, now);
    if (expired) out.push({ kind: "destroy", preview: p, reason: expired });
    else if (p.status === "destroy-failed" && (p.nextAttemptAt ?? 0) <= now)
      out.push({ kind: "destroy", preview: p, reason: `retrying a failed destroy (attempt ${p.destroyAttempts + 1})` });
    else if (p.status === "destroying") out.push({ kind: "destroy", preview: p, reason: "finishing a destroy that was interrupted" });
    else if (p.status === "applying") out.push({ kind: "interrupted", preview: p });
    else if ((p.status === "live" || p.status === "failed") && now - (lastCheck(p) ?? 0) >= checkEveryMs)
      out.push({ kind: "check", preview: p });
  }
  return out;
}
