import { readDefaultHead } from "../../drift/read-default-head.js";
import { windowState } from "../../gate/apply-windows.js";
import type { JobContext } from "../../job-context/job-context.js";
import type { SpecOf } from "../../model/job.js";
import type { Project } from "../../model/project.js";
import { projectKey } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import {
  nextScheduledDestroyAttempt,
  reportScheduledDestroyOutcome,
  scheduledDestroyAttempt,
  windowOpensAtMs,
} from "../../preview/scheduled-destroy-backoff.js";
import { lastApplyOf, scheduledDestroyDue } from "../../preview/scheduled-destroy-due.js";
import { destroyScheduledWorkspace } from "./destroy-scheduled-workspace.js";
import { reportScheduledDestroy } from "./report-scheduled-destroy.js";

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
// A failure's message is kept to compare with the next one's, not to be read in full.
const KEPT_MESSAGE = 4000;

/**
 * `destroy_at` / `idle_ttl` of ordinary workspaces, read from the default branch's (trusted)
 * config. Without a project: each workspace that is due gets a job for its next attempt, unless a
 * failed or refused attempt makes it wait (1 h, 2 h, 4 h … at most a day). With one: the attempt,
 * checked again inside the workspace's run lock, counted in the store before it starts.
 */
export async function runScheduledDestroyJob(ctx: JobContext<SpecOf<"scheduled-destroy">>, now: () => number = Date.now): Promise<void> {
  const { job, deps, secrets } = ctx;
  const spec = job.spec;
  const name = repoFullName(job.target.repo);
  const read = await readDefaultHead(ctx, async (text) => {
    deps.log.warn({ jobId: job.id, repo: name }, `scheduled destroy skipped: ${text}`);
  });
  if (!read) return;
  const where = (project: Project) => ({ repo: name, project: project.name, workspace: project.workspace });
  const dueNow = async () => {
    const applies = await deps.store.liveApplies(name);
    return read.all.flatMap((project) => {
      if (spec.project !== undefined && project.name !== spec.project) return [];
      const last = lastApplyOf(applies, project);
      const due = scheduledDestroyDue(where(project), read.settings.destroyScheduleFor(project), last, now());
      return due ? [{ project, last, due }] : [];
    });
  };
  const attemptOf = async (project: Project, onceKey: string) =>
    scheduledDestroyAttempt(await deps.store.destroyAttempts(where(project)), onceKey, now());

  if (spec.project === undefined) {
    for (const { project, due } of await dueNow()) {
      const fields = { jobId: job.id, repo: name, project: project.name };
      const attempt = await attemptOf(project, due.onceKey);
      if (!attempt.go) {
        deps.log.info(
          fields,
          `scheduled destroy waits: the last attempt failed or was refused; the next is from ${iso(attempt.waitUntil)}`,
        );
        continue;
      }
      // One job per attempt and hour, across replicas. The hour too: a job that died before it
      // counted its attempt (a fault while checking out) leaves the attempt to the next hour's
      // check; one that counted it makes any later job of the same attempt wait (checked in the lock).
      const slot = Math.floor(now() / 3600_000);
      const jobId = await deps.store.enqueueInternalOnce(`${due.onceKey}:try:${attempt.attempt}:${slot}`, job.target, {
        kind: "scheduled-destroy",
        project: project.name,
        reason: due.reason,
        actor: "sluice",
      });
      if (jobId !== undefined) deps.log.info({ ...fields, jobId, attempt: attempt.attempt }, `scheduled destroy queued: ${due.reason}`);
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
    const attempt = await attemptOf(project, due.onceKey);
    if (!attempt.go) {
      deps.log.info({ jobId: job.id, repo: name, project: project.name }, `scheduled destroy not tried before ${iso(attempt.waitUntil)}`);
      return;
    }
    const startedAt = now();
    const kept = { onceKey: due.onceKey, attempts: attempt.attempt, startedAt, message: attempt.previous, issue: attempt.issue };
    // Counted before anything runs: an attempt a crash cuts short still pushes the next one back.
    await deps.store.saveDestroyAttempts(where(project), { ...kept, nextAt: nextScheduledDestroyAttempt(attempt.attempt, startedAt) });
    const outcome = await destroyScheduledWorkspace(ctx, read, project, now);
    const report = { project, reason: due.reason, last, outcome, head: read.head, attempt: attempt.attempt, issue: attempt.issue };
    if (outcome.ok) {
      await deps.store.saveDestroyAttempts(where(project), undefined);
      await reportScheduledDestroy(ctx, { ...report, post: true });
      return;
    }
    const message = secrets.redact(outcome.message).slice(0, KEPT_MESSAGE);
    const window = windowState(deps.config.apply_windows, deps.config.freezes, read.settings.identityOf(project), new Date(startedAt));
    const nextAt = nextScheduledDestroyAttempt(attempt.attempt, startedAt, window.open ? undefined : windowOpensAtMs(window.opensAt));
    const post = reportScheduledDestroyOutcome({ ok: false, message }, attempt.previous);
    await deps.store.saveDestroyAttempts(where(project), { ...kept, nextAt });
    const said = await reportScheduledDestroy(ctx, { ...report, nextAt, post });
    // The message kept is the last one said: one that could not be posted is said at the next
    // attempt. The issue a first report opened takes the next ones.
    const shown = !post || said.posted ? message : attempt.previous;
    await deps.store.saveDestroyAttempts(where(project), { ...kept, nextAt, message: shown, issue: said.issue });
  });
}
