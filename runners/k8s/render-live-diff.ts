import type { PlanSummary } from "../../src/model/plan-summary.js";
import type { LiveDiff } from "./live-diff.js";
import { objectChangeBlocks } from "./render-object-changes.js";

export const LIVE_DIFF_TITLE = "Live diff against the cluster (server-side dry-run)";

/**
 * The section appended to a Kubernetes plan under the render diff. Its header carries its own
 * counts: the plan's summary and check run count the render diff only, which is what the saved
 * plan file applies; the live diff tells the reviewer what that apply would change in the cluster.
 */
export function renderLiveDiff(live: LiveDiff): string {
  if (!live.ok) {
    return `${[
      `== ${LIVE_DIFF_TITLE}: not available ==`,
      live.reason,
      "The render diff above is complete; only the comparison with the cluster is missing.",
    ].join("\n")}\n`;
  }
  const { changes } = live.diff;
  const n = (action: "create" | "update" | "delete") => changes.filter((c) => c.action === action).length;
  const counts = changes.length === 0 ? "no changes" : `${n("create")} to create, ${n("update")} to update, ${n("delete")} to delete`;
  const intro = [`== ${LIVE_DIFF_TITLE}: ${counts} ==`, live.compared, ...live.notes.map((note) => `Note: ${note}`)].join("\n");
  return `${[intro, ...objectChangeBlocks(live.diff)].join("\n\n")}\n`;
}

/** What the plan's summary keeps of a live diff: addresses and actions only, never values. */
export function liveOfSummary(live: LiveDiff): NonNullable<PlanSummary["live"]> {
  if (!live.ok) return { ok: false, reason: live.reason };
  return { ok: true, changes: live.diff.changes.map((c) => ({ address: c.address, action: c.action })) };
}
