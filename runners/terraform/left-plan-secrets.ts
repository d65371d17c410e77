import { isRegularFile } from "./file-kind.js";
import { parsePlanJson } from "./parse-plan-json.js";
import { type PlanSteps, showPlanFile } from "./run-plan-steps.js";
import { summarizePlan } from "./summarize-plan.js";

/**
 * The sensitive values of the plan file a failed workflow left (a step after `plan` failed, a lint
 * on the PR's files): terraform printed some of them unmarked (a prior state's `terraform_data`
 * output), so what the steps printed reaches the live log and the comment only redacted with them.
 * None when no plan file was left (terraform planned nothing); undefined when one was left and
 * show cannot read it: what the steps printed then has sensitive values nobody knows.
 */
export async function leftPlanSensitiveValues(s: PlanSteps): Promise<readonly string[] | undefined> {
  if (!(await isRegularFile(s.planFile))) return [];
  const shown = await showPlanFile(s, { ok: true, shown: "", stepEnv: {} });
  if (!shown.ok) return undefined;
  const json = parsePlanJson(shown.json);
  const summary = summarizePlan(json.ok ? json.plan : shown.json);
  return summary.ok ? summary.summary.sensitiveValues : undefined;
}
