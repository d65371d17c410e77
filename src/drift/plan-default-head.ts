import type { PlanOutcome } from "../../runners/runner.js";
import { createProjectRunner } from "../tool-runs/project-runner.js";
import type { RepoSettings } from "../config/repo-settings.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { Secrets } from "../job-context/secrets.js";
import type { JobLogWriter } from "../tool-runs/store-job-log.js";
import type { Job } from "../model/job.js";
import { isKubernetesRunner, type Project } from "../model/project.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import { dataPaths } from "../workspace/data-paths.js";
import { gatherInputs, hasInputs, type TrustedProject } from "../tool-runs/gather-inputs.js";
import { runInputs, withInputRecords } from "../tool-runs/plan-inputs.js";

export interface DefaultHeadPlan {
  deps: JobDeps;
  job: Job;
  repo: RepoRef;
  /** Worktree at the default branch head. */
  checkoutDir: string;
  /** The commit checked out (the plan token's `head_sha`). */
  headSha?: string;
  /** The default branch's name (the plan token's `base_ref`: the branch whose head is planned). */
  branch?: string;
  settings: RepoSettings;
  secrets: Secrets;
  /** Every project of the default branch, for `inputs_from` / `values_from` (their producers' state is read). */
  all?: readonly Project[];
  trustedProjects?: readonly TrustedProject[];
}

/**
 * Where drift plans of a project live: the PR-number slot 0, which no pull request has. Their
 * policy checks are kept under the same slot, by plan hash.
 */
export const DRIFT_SLOT = 0;

/** Where drift plans of a project live (the slot of `DRIFT_SLOT`). */
export function driftPlanDir(dataDir: string, repo: RepoRef, project: Pick<Project, "dir" | "workspace" | "name">): string {
  return dataPaths.projectPlans(dataDir, repo, DRIFT_SLOT, project);
}

/**
 * Plans one project at the default branch head, read-only: no project lock is taken (the caller
 * holds the run lock, so no apply of the project runs meanwhile). The request is built by
 * `planRequest`, as for a PR plan. Helm and Kustomize projects diff against the same tree
 * (nothing changes in git) plus the live cluster, which needs a kubeconfig: without one they are
 * not planned at all.
 */
export async function planDefaultHead(
  ctx: DefaultHeadPlan,
  project: Project,
  log: Pick<JobLogWriter, "write">,
): Promise<(PlanOutcome & { credentials?: string }) | { skipped: string }> {
  const { deps, settings } = ctx;
  const failed = (failedStep: string, message: string): PlanOutcome => ({ ok: false, failedStep, message, output: "", durationMs: 0 });
  if (isKubernetesRunner(project.runner) && !settings.kubeconfig?.plan) {
    return {
      skipped: `no kubeconfig for plans is configured for this repository (server setting \`kubeconfigs\`): a ${project.runner} project's drift is a live diff against its cluster`,
    };
  }
  {
    // A dependent is checked with its producers' outputs as their state holds them now.
    const inputs = hasInputs(project)
      ? await gatherInputs(
          {
            deps,
            job: ctx.job,
            settings,
            secrets: ctx.secrets,
            checkoutDir: ctx.checkoutDir,
            all: ctx.all ?? [],
            scratchDir: dataPaths.prPlans(deps.dataDir, ctx.repo, DRIFT_SLOT),
            trustedProjects: ctx.trustedProjects,
            onOutput: (chunk) => log.write(chunk),
          },
          project,
        )
      : undefined;
    if (inputs && !inputs.ok) return failed("inputs", inputs.error);
    // The policy checks run here too: a drift plan may be applied (reconcile, `/apply` on its
    // issue), and the gate holds every apply to the server's policies. A drift check runs the
    // default branch's code in the same sandbox as a PR's, with the plan set: it changes nothing.
    const ran = await createProjectRunner({ deps, job: ctx.job, settings, secrets: ctx.secrets }).plan(project, {
      checkoutDir: ctx.checkoutDir,
      baseCheckoutDir: ctx.checkoutDir,
      dataDir: driftPlanDir(deps.dataDir, ctx.repo, project),
      extraArgs: [],
      details: true,
      onOutput: (chunk) => log.write(chunk),
      inputs: runInputs(inputs),
      claims: { repository: repoFullName(ctx.repo), head_sha: ctx.headSha ?? "", base_ref: ctx.branch ?? "", actor: ctx.job.spec.actor },
    });
    // The identity the plan ran with (names only; "" when the server has no credential rules).
    const credentials = ran.credentials;
    const planned: PlanOutcome = ran.ok
      ? ran.value
      : { ok: false, failedStep: ran.failedStep, message: ran.message, output: ran.output ?? "", durationMs: ran.durationMs ?? 0 };
    return { ...(planned.ok ? withInputRecords(planned, inputs) : planned), ...(credentials ? { credentials } : {}) };
  }
}
