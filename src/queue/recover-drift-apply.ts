import { DRIFT_CHECK } from "../drift/render-drift.js";
import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { ApplyRecord } from "../store/store.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { jobMarker, printComment } from "../render/comment-body.js";

/** What an interrupted pull-mode apply says, on its issue and check. */
export function driftInterruptedNotice(road: "reconcile" | "drift-issue", project: string): string {
  const what = road === "reconcile" ? "reconciling" : "applying the drift issue's plan of";
  return `Interrupted: Sluice stopped while ${what} project \`${project}\`. It may have applied part of the plan. Reconciliation of the project is paused and nothing is applied again by itself: check the state, then comment \`/drift resume -p ${project}\`.`;
}

/**
 * A pull-mode apply a stopped process left: a reconcile (`on_drift: apply`, in a `drift-check` job) or
 * `/apply` on a drift issue (`drift-apply`, the issue is `target.pr`). Neither is a pull request,
 * so it is reported where it started: each project it was applying is paused as a failed reconcile
 * is (the next ticks report it and apply nothing until a person resumes it), the drift issue says
 * so, and a reconcile's `sluice/drift` check is completed as failed instead of staying in progress.
 */
export async function recoverDriftApply(deps: JobDeps, job: Job, applies: readonly ApplyRecord[]): Promise<void> {
  const repo = repoFullName(job.target.repo);
  const road = job.spec.kind === "drift-apply" ? "drift-issue" : "reconcile";
  const projects = [...new Set(applies.filter((a) => a.jobId === job.id).map((a) => a.project))];
  for (const project of projects) {
    await deps.store.setDriftPause(repo, project, {
      actor: "sluice",
      reason: `an apply (${road === "reconcile" ? "reconcile" : `drift issue #${job.target.pr}`}) was interrupted when Sluice stopped; check the state, then \`/drift resume -p ${project}\``,
    });
    await deps.store.recordAudit({
      actor: "sluice",
      action: "drift-pause",
      repo,
      project,
      detail: `interrupted ${road} apply (job ${job.id})`,
    });
  }
  const vcs = await deps.vcsFor(job);
  const notices = projects.map((p) => driftInterruptedNotice(road, p));
  if (road === "drift-issue") {
    const text = notices.length ? notices.join("\n\n") : driftInterruptedNotice(road, "?").replace(" project `?`", " a project");
    await vcs.createComment(job.target.repo, job.target.pr, printComment({ marker: jobMarker(`interrupted-${job.id}`), text }));
    return;
  }
  // The project's open drift issue as the store knows it (never found by an issue's text).
  const issues = await deps.store.openDriftIssues(repo);
  for (const [i, project] of projects.entries()) {
    const issue = issues.find((x) => x.project === project);
    if (issue)
      await vcs.createComment(
        job.target.repo,
        issue.number,
        printComment({ marker: jobMarker(`interrupted-${job.id}-${i}`), text: notices[i] ?? "" }),
      );
  }
  const update = {
    status: "completed" as const,
    conclusion: "failure" as const,
    title: "Interrupted: a reconcile may have applied part of its plan",
    summary: notices.join("\n\n") || "Sluice stopped during this drift check's reconcile.",
  };
  // The check the stopped run left in progress is completed, once: never a second of the same id.
  if (job.checkRunId !== undefined) return vcs.updateCheck(job.target.repo, job.checkRunId, update);
  // A job of an earlier version kept no check id: the head it checked out gets the completed one.
  const live = projects.length ? (await deps.store.liveApplies(repo, projects[0])).find((a) => a.source === "reconcile") : undefined;
  const sha = live?.commitSha ?? (await vcs.defaultBranch(job.target.repo)).sha;
  await vcs.createCheck(job.target.repo, DRIFT_CHECK, sha, update, `drift-${job.id}`);
}
