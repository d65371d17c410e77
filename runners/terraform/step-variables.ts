import type { WorkflowStep } from "../../src/model/repo-config.js";
import type { PlanRequest } from "../runner.js";

/**
 * What Atlantis gives `run` steps, under the same names, so ported workflows keep working: the
 * pull request's (`req.stepVariables`: BASE_REPO_NAME, PULL_NUM, …), then the project's.
 */
export function stepVariables(
  req: { project: PlanRequest["project"]; stepVariables?: Record<string, string> },
  dir: string,
  planFile: string,
): Record<string, string> {
  return {
    ...req.stepVariables,
    PLANFILE: planFile,
    SHOWFILE: `${planFile}.json`,
    WORKSPACE: req.project.workspace,
    DIR: dir,
    PROJECT_NAME: req.project.name,
    REPO_REL_DIR: req.project.dir,
  };
}

/** How a run step is shown in the output: the script of a shell step, else the argv. */
export function shownStep(step: Extract<WorkflowStep, { kind: "run" }>): { line: string; name: string } {
  if (!step.shell) return { line: step.argv.join(" "), name: step.argv[0] ?? "" };
  const script = step.argv[step.argv.length - 1] ?? "";
  const first = script.trim().split(/\s+/)[0] ?? "";
  return { line: script.trimEnd().replaceAll("\n", "\n> "), name: first };
}
