import { readDefaultHead } from "../../drift/read-default-head.js";
import type { JobContext } from "../../job-context/job-context.js";
import type { SpecOf } from "../../model/job.js";
import type { PreviewRecord } from "../../model/preview.js";
import { projectKey } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import { ALLOWED } from "../../policy/decision.js";
import { lastApplyOf, scheduledDestroyDue } from "../../preview/scheduled-destroy-due.js";
import { planCounts } from "../../render/plan-counts.js";
import { openJobLog } from "../../tool-runs/store-job-log.js";
import { errorMessage } from "../../util/errors.js";
import { applyPreview } from "./apply-preview.js";
import { planPreview } from "./plan-preview.js";
import { reportScheduledDestroy } from "./report-scheduled-destroy.js";

/**
 * `destroy_at` / `idle_ttl` of ordinary workspaces, read from the default branch's (trusted)
 * config. Without a project: what is due is queued, one job per workspace and hour. With one: the
 * workspace is destroyed the way a preview is (a `-destroy` plan of the default branch head,
 * applied through the gate on the `scheduled-destroy` road), checked again inside its run lock and
 * written to the live record, so that it is never destroyed twice.
 */
export async function runScheduledDestroyJob(ctx: JobContext<SpecOf<"scheduled-destroy">>, now: () => number = Date.now): Promise<void> {
  const { job, deps, vcs, secrets } = ctx;
  const spec = job.spec;
  const name = repoFullName(job.target.repo);
  const read = await readDefaultHead(ctx, async (text) => {
    deps.log.warn({ jobId: job.id, repo: name }, `scheduled destroy skipped: ${text}`);
  });
  if (!read) return;
  const dueNow = async () => {
    const applies = await deps.store.liveApplies(name);
    return read.all.flatMap((project) => {
      if (spec.project !== undefined && project.name !== spec.project) return [];
      const last = lastApplyOf(applies, project.dir, project.workspace);
      const where = { repo: name, project: project.name, workspace: project.workspace };
      const due = scheduledDestroyDue(where, read.settings.destroyScheduleFor(project), last, now());
      return due ? [{ project, last, due }] : [];
    });
  };
  if (spec.project === undefined) {
    // One job per workspace and hour: a failed or refused destroy (a pause, a window) is tried
    // again an hour later; a succeeded one is in the live record and never due again.
    for (const { project, due } of await dueNow()) {
      const jobId = await deps.store.enqueueInternalOnce(`${due.onceKey}:${Math.floor(now() / 3600_000)}`, job.target, {
        kind: "scheduled-destroy",
        project: project.name,
        reason: due.reason,
        actor: "sluice",
      });
      if (jobId !== undefined) deps.log.info({ jobId, repo: name, project: project.name }, `scheduled destroy queued: ${due.reason}`);
    }
    deps.wake();
    return;
  }
  const target = read.all.find((p) => p.name === spec.project);
  if (!target) return;
  await deps.store.runExclusive(projectKey(name, target), async () => {
    // Asked again inside the lock: another job may have destroyed it, or an apply re-armed it.
    const [found] = await dueNow();
    if (!found) {
      deps.log.info({ jobId: job.id, repo: name, project: target.name }, "scheduled destroy no longer due: left alone");
      return;
    }
    const { project, last, due } = found;
    const at = now();
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
    let outcome: { ok: true; counts: string } | { ok: false; message: string };
    try {
      const plan = await planPreview(pc, record, true, log, project);
      if (!plan.ok) outcome = { ok: false, message: `plan at ${plan.failedStep}: ${plan.message}` };
      else {
        const applied = await applyPreview(pc, record, plan, "scheduled-destroy", ALLOWED, log, project);
        if (applied.ok) {
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
          });
          await deps.store.recordLiveApplyEnd(id, "succeeded");
          outcome = { ok: true, counts: planCounts(plan.summary) };
        } else outcome = { ok: false, message: applied.refused ? `⛔ refused: ${applied.message}` : applied.message };
      }
    } catch (e) {
      outcome = { ok: false, message: errorMessage(e) };
    } finally {
      log.end();
    }
    await reportScheduledDestroy(ctx, { project, reason: due.reason, last, outcome, head: read.head });
  });
}
