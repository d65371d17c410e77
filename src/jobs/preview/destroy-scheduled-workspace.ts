import type { DefaultHead } from "../../drift/read-default-head.js";
import type { JobContext } from "../../job-context/job-context.js";
import type { SpecOf } from "../../model/job.js";
import type { PreviewRecord } from "../../model/preview.js";
import type { Project } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import { ALLOWED } from "../../policy/decision.js";
import { errorExcerpt } from "../../render/error-excerpt.js";
import { planCounts } from "../../render/plan-counts.js";
import { openJobLog } from "../../tool-runs/store-job-log.js";
import { errorMessage } from "../../util/errors.js";
import { mkdir } from "node:fs/promises";
import { dataPaths } from "../../workspace/data-paths.js";
import { gatherInputs, hasInputs } from "../../tool-runs/gather-inputs.js";
import { runInputs } from "../../tool-runs/plan-inputs.js";
import { applyPreview } from "./apply-preview.js";
import { planPreview } from "./plan-preview.js";

export type ScheduledDestroyOutcome = { ok: true; counts: string } | { ok: false; refused: boolean; message: string };

/**
 * One attempt at a scheduled destroy, made the way a preview is destroyed: a `-destroy` plan of
 * the default branch head, applied through the gate on the `scheduled-destroy` road. A success is
 * written to the live record (source `scheduled-destroy`), so that it is never destroyed twice.
 * The caller holds the workspace's run lock.
 */
export async function destroyScheduledWorkspace(
  ctx: JobContext<SpecOf<"scheduled-destroy">>,
  read: DefaultHead,
  project: Project,
  now: () => number,
): Promise<ScheduledDestroyOutcome> {
  const { job, deps, vcs, secrets } = ctx;
  const name = repoFullName(job.target.repo);
  const at = now();
  // The preview machinery's record of the destroy, for this run only: it is never saved.
  const record: PreviewRecord = {
    repo: name,
    pr: 0,
    project: project.name,
    dir: project.dir,
    workspace: project.workspace,
    runner: project.runner,
    varFiles: [],
    vars: {},
    status: "destroying",
    headSha: read.head.sha,
    target: job.target,
    createdAt: at,
    lastPushAt: at,
    destroyAttempts: 0,
    lastResult: "",
    updatedAt: at,
  };
  const pc = { job, deps, vcs, secrets, settings: read.settings, checkout: read.checkout, actor: "sluice", now, branch: read.head.name };
  const log = openJobLog(deps, job, `${project.name}-scheduled-destroy`);
  try {
    // A project that takes other projects' outputs is destroyed with their values as their state
    // holds them now (as a drift check plans it): a variable without a default needs one. They
    // are read in the default branch's slot (no pull request has 0).
    const scratchDir = dataPaths.prPlans(deps.dataDir, job.target.repo, 0);
    const context = { deps, job, settings: read.settings, secrets, checkoutDir: read.checkout.dir, all: read.all, scratchDir };
    const inputs = hasInputs(project)
      ? await mkdir(scratchDir, { recursive: true }).then(() =>
          gatherInputs({ ...context, trustedProjects: read.all, onOutput: (chunk) => log.write(chunk) }, project),
        )
      : undefined;
    if (inputs && !inputs.ok) return { ok: false, refused: false, message: `its inputs from other projects: ${inputs.error}` };
    const plan = await planPreview(pc, record, true, log, project, runInputs(inputs));
    if (!plan.ok) return { ok: false, refused: false, message: `plan at ${plan.failedStep}: ${plan.message}` };
    const applied = await applyPreview(pc, record, plan, "scheduled-destroy", async () => ALLOWED, log, project, runInputs(inputs));
    if (!applied.ok && applied.refused) return { ok: false, refused: true, message: `⛔ refused: ${applied.message}` };
    if (!applied.ok) {
      // The tool's own diagnostics say why (its exit code does not), and a changed cause is a new report.
      const why = errorExcerpt(applied.output);
      return { ok: false, refused: false, message: why ? `${applied.message}\n${why}` : applied.message };
    }
    const id = await deps.store.recordLiveApplyStart({
      repo: name,
      project: project.name,
      dir: project.dir,
      workspace: project.workspace,
      commitSha: read.head.sha,
      source: "scheduled-destroy",
      number: 0,
      actor: "sluice",
      approvers: [],
      planHash: plan.planHash,
      teardown: true,
    });
    await deps.store.recordLiveApplyEnd(id, "succeeded");
    return { ok: true, counts: planCounts(plan.summary) };
  } catch (e) {
    return { ok: false, refused: false, message: errorMessage(e) };
  } finally {
    log.end();
  }
}
