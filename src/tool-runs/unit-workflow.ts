import type { Workflow, WorkflowStep } from "../model/repo-config.js";

function shown(step: WorkflowStep): string {
  if (step.kind === "run") return `\`run ${step.argv.join(" ").slice(0, 80)}\``;
  if (step.kind === "env") return `\`env ${step.name}\``;
  return `\`${step.kind}\` with extra_args`;
}

/** What of one stage a unit would not do: steps beyond the bare default ones, or the stage's own step missing. */
function stageSkips(stage: "plan" | "apply", steps: readonly WorkflowStep[], allowed: readonly string[]): string[] {
  const skipped = steps.filter((s) => !allowed.includes(s.kind) || ("extraArgs" in s && s.extraArgs.length > 0)).map(shown);
  if (!steps.some((s) => s.kind === stage)) skipped.push(`a ${stage} stage without its \`${stage}\` step`);
  return skipped;
}

/**
 * Pure: what a Terragrunt unit would leave out of a project's trusted workflow. Terragrunt plans
 * and applies a unit itself (terragrunt-runner.ts), so a workflow's `run` and `env` steps, its
 * extra_args and a stage that leaves its step out are not done. The runner is what the PR's tree
 * says (a `terragrunt.hcl` added to the dir), the workflow is the server's or the base branch's:
 * such a unit is refused rather than run without them. Empty: the workflow is the default steps.
 */
export function stepsUnitSkips(workflow: Workflow | undefined): string[] {
  if (!workflow) return [];
  return [...stageSkips("plan", workflow.plan, ["init", "plan"]), ...stageSkips("apply", workflow.apply, ["apply"])];
}
