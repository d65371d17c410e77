import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { exec } from "../../runners/exec.js";
import type { RepoSettings } from "../config/repo-settings.js";
import type { JobDeps } from "../jobs/job-deps.js";
import { resolveSecretSet } from "../jobs/run-plan-job.js";
import { chainRedactors, type Secrets } from "../jobs/secrets.js";
import type { Project } from "../model/project.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import { createRedactor } from "../render/redact.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { dataPaths } from "../workspace/data-paths.js";
import { recordLiveApply } from "./record-live-apply.js";

export interface DriftApply {
  deps: JobDeps;
  vcs: VcsClient;
  jobId: number;
  repo: RepoRef;
  project: Project;
  settings: RepoSettings;
  secrets: Secrets;
  checkoutDir: string;
  planFile: string;
  planHash: string;
  /** The default branch head the plan was made at: what becomes live. */
  commitSha: string;
  source: "drift-issue" | "reconcile";
  /** The saved plan being applied (0 when reconciling a plan that was never saved). */
  planId: number;
  /** The drift issue, or 0 for reconciliation. */
  number: number;
  actor: string;
}

export type DriftApplyOutcome = { ok: true; output: string } | { ok: false; message: string; output: string };

/**
 * Applies a saved drift plan (the caller holds the project's run lock and has checked the plan is
 * the current one), recorded in the live record and as a GitHub Deployment.
 */
export async function applyDriftPlan(a: DriftApply): Promise<DriftApplyOutcome> {
  const { deps, project, settings, secrets } = a;
  const runner = deps.runners[project.runner];
  if (!runner) return { ok: false, message: `no runner for ${project.runner} projects on this server`, output: "" };
  const secretSet = resolveSecretSet(project, settings);
  if ("missing" in secretSet) return { ok: false, message: `secret \`${secretSet.missing}\` is not defined on this Sluice server`, output: "" };
  const logFile = dataPaths.jobLog(deps.dataDir, a.jobId, `${project.name}-apply`);
  await mkdir(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  // Also an apply record of the job: a crash mid-apply marks the job interrupted at restart, and
  // nothing applies again by itself (correctness rule 8).
  const applyId = await deps.store.recordApplyStart({ jobId: a.jobId, repo: repoFullName(a.repo), pr: a.number, project: project.name, planId: a.planId });
  try {
    const outcome = await recordLiveApply(
      deps,
      a.vcs,
      a.repo,
      {
        repo: repoFullName(a.repo),
        project: project.name,
        dir: project.dir,
        workspace: project.workspace,
        commitSha: a.commitSha,
        source: a.source,
        number: a.number,
        actor: a.actor,
        approvers: [],
        planHash: a.planHash,
      },
      () =>
        runner.apply(
          {
            project,
            checkoutDir: a.checkoutDir,
            dataDir: dirname(a.planFile),
            planFile: a.planFile,
            env: deps.runnerEnv,
            timeoutMs: deps.config.step_timeout,
            redactWith: (values) => chainRedactors(secrets.redact, createRedactor({ secrets: [...values, ...Object.values(secretSet.values)] })),
            onOutput: (chunk) => log.write(chunk),
            kubeconfig: settings.kubeconfig,
            secretSet: secretSet.values,
            workflow: settings.workflowFor(project).workflow,
            binary: settings.binaryFor(project),
          },
          exec,
        ),
    );
    await deps.store.recordApplyEnd(applyId, outcome.ok ? "succeeded" : "failed");
    secrets.add(outcome.sensitiveValues);
    return outcome.ok ? { ok: true, output: outcome.output } : { ok: false, message: outcome.message, output: outcome.output };
  } finally {
    log.end();
  }
}
