import { dirname } from "node:path";
import type { RepoSettings } from "../config/repo-settings.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { applyRequest, type RunInputs } from "../tool-runs/runner-request.js";
import { sandboxedExec } from "../tool-runs/sandboxed-exec.js";
import type { Secrets } from "../job-context/secrets.js";
import { openJobLog } from "../tool-runs/store-job-log.js";
import type { Job } from "../model/job.js";
import type { Project } from "../model/project.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { recordLiveApply } from "./record-live-apply.js";
import type { GatePass } from "../gate/decide.js";
import { applyThroughGate } from "../gate/through-gate.js";
import { runCredentials } from "../tool-runs/run-credentials.js";

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
  /** The default branch's name (the apply token's `base_ref`). */
  defaultBranch?: string;
  source: "drift-issue" | "reconcile";
  /** The saved plan being applied (0 when reconciling a plan that was never saved). */
  planId: number;
  /** The drift issue, or 0 for reconciliation. */
  number: number;
  actor: string;
  /** Other projects' outputs, for tools that render again at apply (Helm); the gate checked them. */
  inputs?: RunInputs;
}

export type DriftApplyOutcome = { ok: true; output: string } | { ok: false; message: string; output: string };

/**
 * Applies a saved drift plan (the caller holds the project's run lock and the gate's pass),
 * recorded in the live record and as a GitHub Deployment. The request is built
 * by `applyRequest`, as for a PR apply.
 */
export async function applyDriftPlan(a: DriftApply): Promise<DriftApplyOutcome> {
  const { deps, project, settings, secrets } = a;
  const runner = deps.tools.runners[project.runner];
  if (!runner) return { ok: false, message: `no runner for ${project.runner} projects on this server`, output: "" };
  const log = openJobLog(deps, a.job, `${project.name}-apply`);
  try {
    const built = applyRequest(
      { deps, settings, secrets },
      project,
      {
        checkoutDir: a.checkoutDir,
        dataDir: dirname(a.planFile),
        planFile: a.planFile,
        onOutput: (chunk) => log.write(chunk),
      },
      project.runner === "helm" ? a.inputs : undefined,
    );
    if (!built.ok)
      return { ok: false, message: "reason" in built.result ? built.result.reason : "the apply could not be prepared", output: "" };
    const sandboxed = sandboxedExec(deps, a.job, project, {
      writable: [a.checkoutDir, dirname(a.planFile)],
      readable: [settings.kubeconfig],
      settings,
    });
    if (!sandboxed.ok) return { ok: false, message: sandboxed.reason, output: "" };
    // Also an apply record of the job: a crash mid-apply marks the job interrupted at restart, and
    // nothing applies again by itself (correctness rule 8).
    const applyId = await deps.store.recordApplyStart({
      jobId: a.job.id,
      repo: repoFullName(a.repo),
      pr: a.number,
      project: project.name,
      planId: a.planId,
    });
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
        applyThroughGate(a.pass, runner, built.request, sandboxed.exec, (admitted) =>
          runCredentials(deps, settings, secrets, project, "apply", {
            repository: admitted.repo,
            ...(a.number > 0 ? { drift_issue: a.number } : {}),
            head_sha: a.commitSha,
            base_ref: a.defaultBranch ?? "",
            actor: admitted.actor,
          }),
        ),
    );
    await deps.store.recordApplyEnd(applyId, outcome.ok ? "succeeded" : "failed");
    secrets.add(outcome.sensitiveValues);
    return outcome.ok ? { ok: true, output: outcome.output } : { ok: false, message: outcome.message, output: outcome.output };
  } finally {
    log.end();
  }
}
