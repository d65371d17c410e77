import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { exec } from "../../runners/exec.js";
import type { PlanOutcome } from "../../runners/runner.js";
import type { RepoSettings } from "../config/repo-settings.js";
import type { JobDeps } from "../jobs/job-deps.js";
import { resolveSecretSet } from "../jobs/run-plan-job.js";
import type { Secrets } from "../jobs/secrets.js";
import type { Project } from "../model/project.js";
import type { RepoRef } from "../model/repo.js";
import { dataPaths } from "../workspace/data-paths.js";

export interface DefaultHeadPlan {
  deps: JobDeps;
  jobId: number;
  repo: RepoRef;
  /** Worktree at the default branch head. */
  checkoutDir: string;
  settings: RepoSettings;
  secrets: Secrets;
}

/** Where drift plans of a project live: the PR-number slot 0, which no pull request has. */
export function driftPlanDir(dataDir: string, repo: RepoRef, project: Pick<Project, "dir" | "workspace">): string {
  return dataPaths.projectPlan(dataDir, repo, 0, project.dir, project.workspace);
}

/**
 * Plans one project at the default branch head, read-only: no project lock is taken (the caller
 * holds the run lock, so no apply of the project runs meanwhile). Builds the runner request the
 * way a PR plan does (`planProject` in run-plan-job.ts), kept in this one function so the two can
 * become one. Helm and Kustomize projects diff against the same tree (nothing changes in git) plus
 * the live cluster, which needs a kubeconfig: without one they are not planned at all.
 */
export async function planDefaultHead(ctx: DefaultHeadPlan, project: Project): Promise<PlanOutcome | { skipped: string }> {
  const { deps, settings, secrets } = ctx;
  const runner = deps.runners[project.runner];
  const failed = (failedStep: string, message: string): PlanOutcome => ({ ok: false, failedStep, message, output: "", durationMs: 0 });
  if (!runner) return failed("runner", `no runner for ${project.runner} projects on this server`);
  if ((project.runner === "helm" || project.runner === "kustomize") && !settings.kubeconfig) {
    return {
      skipped: `no kubeconfig is configured for this repository (server setting \`kubeconfigs\`): a ${project.runner} project's drift is a live diff against its cluster`,
    };
  }
  const workflow = settings.workflowFor(project);
  if (workflow.refusal) return failed("workflow", workflow.refusal);
  const secretSet = resolveSecretSet(project, settings);
  if ("missing" in secretSet) return failed("secrets", `secret \`${secretSet.missing}\` is not defined on this Sluice server`);
  secrets.add(Object.values(secretSet.values));
  const logFile = dataPaths.jobLog(deps.dataDir, ctx.jobId, project.name);
  await mkdir(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  try {
    return await runner.plan(
      {
        project,
        checkoutDir: ctx.checkoutDir,
        baseCheckoutDir: runner.needsBase ? ctx.checkoutDir : undefined,
        secretSet: secretSet.values,
        workflow: workflow.workflow,
        kubeconfig: settings.kubeconfig,
        binary: settings.binaryFor(project),
        dataDir: driftPlanDir(deps.dataDir, ctx.repo, project),
        extraArgs: [],
        env: deps.runnerEnv,
        timeoutMs: deps.config.step_timeout,
        redact: secrets.redact,
        onOutput: (chunk) => log.write(chunk),
        details: true,
      },
      exec,
    );
  } finally {
    log.end();
  }
}
