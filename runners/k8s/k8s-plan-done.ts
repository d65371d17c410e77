import type { PlanSummary } from "../../src/model/plan-summary.js";
import { createRedactor } from "../../src/util/redact.js";
import type { PlanOutcome, PlanRequest } from "../runner.js";
import type { LiveDiff } from "./live-diff.js";
import { liveOfSummary, renderLiveDiff } from "./render-live-diff.js";

/**
 * A Helm or Kustomize plan's successful end: the live diff (when one ran) under the render diff,
 * in the comment's output and in the job log, the log sent, and the outcome.
 */
export function k8sPlanDone(
  req: Pick<PlanRequest, "onOutput" | "redact">,
  plan: { summary: PlanSummary; output: string; log: string; planFile: string; started: number },
  live: LiveDiff | undefined,
): PlanOutcome {
  const { summary } = plan;
  let { output, log } = plan;
  if (live) {
    // Values read from the cluster (an old password or key) are redacted from everything posted, too.
    summary.sensitiveValues = [...new Set([...summary.sensitiveValues, ...live.secretValues])];
    summary.live = liveOfSummary(live);
    output += `\n${renderLiveDiff(live)}`;
    log += `\n${renderLiveDiff(live)}`;
  }
  // The job log gets large objects in full; the PR gets their summary. Both are redacted with the
  // values this plan marks secret (a Secret's value copied into a ConfigMap): the job's redaction
  // learns them only when the plan returns, after this log went out.
  req.onOutput?.(createRedactor({ secrets: summary.sensitiveValues, builtIn: false })(req.redact(log)));
  return { ok: true, summary, output, planFile: plan.planFile, durationMs: performance.now() - plan.started };
}
