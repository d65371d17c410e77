import type { RepoSettings } from "../config/repo-settings.js";
import type { ResolvedInputs } from "../inputs/resolve-inputs.js";
import type { Job } from "../model/job.js";
import type { PlanSummary } from "../model/plan-summary.js";
import type { Project } from "../model/project.js";
import type { OutputValues } from "../model/project-inputs.js";
import { gatherInputs, hasInputs, type InputsContext } from "./gather-inputs.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { RunInputs } from "./runner-request.js";
import type { Secrets } from "../job-context/secrets.js";

/** What a plan job knows of outputs between its projects: those it planned, by project. */
export interface PlanInputs {
  produced: Map<string, OutputValues>;
  context: (onOutput?: (chunk: string) => void) => InputsContext;
}

export function planInputs(
  deps: InputsContext["deps"] & Pick<JobDeps, "dataDir">,
  job: Pick<Job, "id" | "target">,
  settings: RepoSettings,
  secrets: Secrets,
  where: Pick<InputsContext, "checkoutDir" | "all" | "scratchDir" | "trustedProjects">,
): PlanInputs {
  const read = new Map<string, OutputValues>();
  return {
    produced: new Map(),
    context: (onOutput) => ({ deps, job, settings, secrets, ...where, onOutput, read }),
  };
}

/**
 * Before a project's plan: its inputs, or none when it takes none. A failure (an output the
 * producer lacks, a state that cannot be read) fails this project's plan with the reason.
 */
export async function inputsBeforePlan(
  inputs: PlanInputs,
  project: Project,
  onOutput?: (chunk: string) => void,
): Promise<{ ok: true; resolved?: Extract<ResolvedInputs, { ok: true }> } | { ok: false; error: string }> {
  if (!hasInputs(project)) return { ok: true };
  const resolved = await gatherInputs(inputs.context(onOutput), project, inputs.produced);
  return resolved.ok ? { ok: true, resolved } : resolved;
}

export function runInputs(resolved: Extract<ResolvedInputs, { ok: true }> | undefined): RunInputs | undefined {
  return resolved ? { env: resolved.env, values: resolved.values, givenSecrets: resolved.sensitive.length > 0 } : undefined;
}

/** The plan's summary with what it used for each input (for the apply gate) and the notes for the comment. */
export function withInputRecords<T extends { summary: PlanSummary }>(
  outcome: T,
  resolved: Extract<ResolvedInputs, { ok: true }> | undefined,
): T {
  if (!resolved) return outcome;
  const warnings = [...(outcome.summary.warnings ?? []), ...resolved.notes];
  return { ...outcome, summary: { ...outcome.summary, inputs: resolved.records, ...(warnings.length ? { warnings } : {}) } };
}
