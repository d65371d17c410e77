import type { PlanSummary } from "../../src/model/plan-summary.js";
import type { ApplyRequest, Exec } from "../runner.js";
import { summarizePlan } from "./summarize-plan.js";

const identity = (s: string) => s;

export type SavedPlanRead =
  | { ok: true; sensitiveValues: string[]; redact: (text: string) => string; summary: PlanSummary }
  | { ok: false; message: string; sensitiveValues: string[] };

/**
 * Before an apply prints anything, the saved plan says which of its values are sensitive: `show
 * -json` of the plan (read-only to that run), summarized, and the apply's redaction built from it.
 * Terraform and Terragrunt applies both start this way.
 */
export async function readSavedPlan(
  exec: Exec,
  bin: string,
  argv: string[],
  req: Pick<ApplyRequest, "planFile" | "timeoutMs" | "redactWith">,
  where: { cwd: string; env: Record<string, string> },
): Promise<SavedPlanRead> {
  const show = await exec(bin, argv, {
    cwd: where.cwd,
    env: where.env,
    timeoutMs: req.timeoutMs,
    redact: identity,
    sandboxReadOnly: [req.planFile],
  });
  const summary = show.exitCode === 0 ? summarizePlan(show.stdout) : undefined;
  const sensitiveValues = summary?.ok ? summary.summary.sensitiveValues : [];
  const redact = req.redactWith(sensitiveValues);
  if (!summary?.ok) {
    return {
      ok: false,
      message: `the saved plan could not be read: ${summary ? summary.error : redact(show.stderr).trim()}`,
      sensitiveValues,
    };
  }
  return { ok: true, sensitiveValues, redact, summary: summary.summary };
}
