import { createProjectRunner } from "../tool-runs/project-runner.js";
import type { RepoSettings } from "../config/repo-settings.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { RunInputs } from "../tool-runs/runner-request.js";
import type { Secrets } from "../job-context/secrets.js";
import { openJobLog } from "../tool-runs/store-job-log.js";
import type { Job } from "../model/job.js";
import type { Project } from "../model/project.js";
import type { RepoRef } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { GatePass } from "../gate/decide.js";
import type { PlanStateChanges } from "../model/state-count.js";

export interface DriftApply {
  /** The gate's decision for this project on this road. */
  pass: GatePass;
  deps: JobDeps;
  vcs: VcsClient;
  job: Job;
  repo: RepoRef;
  project: Project;
  settings: RepoSettings;
  secrets: Secrets;
  checkoutDir: string;
  planFile: string;
  planHash: string;
  /** The default branch head the plan was made at: what becomes live. */
  commitSha: string;
  /** The default branch's name (the apply token's `base_ref`): required, a token without it claims no branch. */
  defaultBranch: string;
  source: "drift-issue" | "reconcile";
  /** The saved plan being applied (0 when reconciling a plan that was never saved). */
  planId: number;
  /** The drift issue, or 0 for reconciliation. */
  number: number;
  actor: string;
  /** Other projects' outputs, for tools that render again at apply (Helm); the gate checked them. */
  inputs?: RunInputs;
  /** The plan is a destroy plan the gate let through: the live record measures later teardowns from after it. */
  teardown: boolean;
  /** What the plan changes in its state's count, kept in the live record. */
  stateChanges: PlanStateChanges;
}

export type DriftApplyOutcome = { ok: true; output: string } | { ok: false; message: string; output: string };

/**
 * Applies a saved drift plan (the caller holds the project's run lock and the gate's pass),
 * recorded in the live record and as a GitHub Deployment. The request is built
 * by `applyRequest`, as for a PR apply.
 */
export async function applyDriftPlan(a: DriftApply): Promise<DriftApplyOutcome> {
  const { deps, project, settings, secrets } = a;
  const log = openJobLog(deps, a.job, `${project.name}-apply`);
  try {
    const ran = await createProjectRunner({ deps, job: a.job, vcs: a.vcs, settings, secrets }).apply(a.pass, project, {
      checkoutDir: a.checkoutDir,
      planFile: a.planFile,
      onOutput: (chunk) => log.write(chunk),
      inputs: project.runner === "helm" ? a.inputs : undefined,
      claims: (admitted) => ({
        repository: admitted.repo,
        ...(a.number > 0 ? { drift_issue: a.number } : {}),
        head_sha: a.commitSha,
        base_ref: a.defaultBranch,
        // The apply's own actor: a reconcile's is Sluice, also one a `/drift` comment asked for
        // (the gate admitted it for the commenter; the token names who applies, as the live record does).
        actor: a.actor,
      }),
      // Also an apply record of the job: a crash mid-apply marks the job interrupted at restart, and
      // nothing applies again by itself (correctness rule 8).
      record: {
        planId: a.planId,
        // A drift issue's saved plan is used once; a reconcile applies a plan it never saved.
        markPlanUsed: a.planId > 0,
        live: {
          commitSha: a.commitSha,
          source: a.source,
          number: a.number,
          actor: a.actor,
          planHash: a.planHash,
          teardown: a.teardown,
          stateChanges: a.stateChanges,
        },
      },
    });
    return ran.ok ? { ok: true, output: ran.output } : { ok: false, message: ran.message, output: ran.output };
  } finally {
    log.end();
  }
}
