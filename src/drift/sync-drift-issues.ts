import type { Project } from "../model/project.js";
import { rm } from "node:fs/promises";
import type { JobDeps } from "../job-context/job-deps.js";
import { readPlanFile } from "../tool-runs/read-plan-file.js";
import { signPlan } from "../tool-runs/plan-signature.js";
import { withoutSecrets } from "../job-context/without-secrets.js";
import type { Job } from "../model/job.js";
import type { RepoRef } from "../model/repo.js";
import { repoFullName } from "../model/repo.js";
import { renderComments } from "../render/render-comment.js";
import type { Redactor } from "../util/redact.js";
import { DRIFT_LABEL } from "../model/drift.js";
import type { IssueInfo, VcsClient } from "../vcs/vcs-client.js";
import type { DriftRun, ProjectDrift } from "./drift-result.js";
import { type IssueShows, renderClosingComment, renderDriftIssue } from "./render-drift.js";
import { type OpenDriftIssue, openDriftIssuesOf } from "./open-drift-issues.js";
import { jobMarker, printComment } from "../render/comment-body.js";

export interface IssueSync {
  deps: JobDeps;
  vcs: VcsClient;
  job: Job;
  repo: RepoRef;
  run: DriftRun;
  redact: Redactor;
  onDriftOf(project: Pick<Project, "name" | "dir" | "workspace">): "report" | "apply";
  pausedOf(project: Pick<Project, "name" | "dir" | "workspace">): { actor: string; reason: string } | undefined;
}

/**
 * One open issue per drifted project, found again through the store (never by its text): created
 * once, edited in place on each run (its full plan in comments Sluice created on it, also edited in
 * place), and closed with a comment when a run finds the project back in line. Returns the open
 * issue of each project.
 */
export async function syncDriftIssues(s: IssueSync): Promise<Map<string, IssueInfo>> {
  const { deps, vcs, repo, run } = s;
  const name = repoFullName(repo);
  const projects = run.results.map((r) => r.project.name);
  const { open, gone } = await openDriftIssuesOf(deps, vcs, repo, projects, run.at);
  for (const number of gone) await supersede(s, number);
  const urls = new Map<string, IssueInfo>();
  for (const r of run.results) {
    const known = open.get(r.project.name);
    const reconciled = r.status === "drifted" && r.reconcile?.done === true && r.reconcile.outcome === "applied";
    if (r.status === "in-line" || reconciled) {
      if (!known) continue;
      const number = known.issue.number;
      const closing = s.redact(renderClosingComment(r.project.name, run.sha, reconciled ? "applied" : "in-line"));
      await vcs.createComment(repo, number, printComment({ marker: jobMarker(`${s.job.id}-closed-${r.project.name}`), text: closing }));
      await vcs.updateIssue(repo, number, { state: "closed" });
      await deps.store.updateDriftIssue(name, number, { open: false, plan: null });
      await supersede(s, number);
      continue;
    }
    if (r.status !== "drifted") {
      // No current plan for this project: whatever the issue shows may no longer be applied.
      if (known) {
        await deps.store.updateDriftIssue(name, known.issue.number, { plan: null });
        await supersede(s, known.issue.number);
        urls.set(r.project.name, known.issue);
      }
      continue;
    }
    urls.set(r.project.name, await upsertIssue(s, r, known));
  }
  return urls;
}

async function upsertIssue(
  s: IssueSync,
  r: Extract<ProjectDrift, { status: "drifted" }>,
  known: OpenDriftIssue | undefined,
): Promise<IssueInfo> {
  const { deps, vcs, repo, run } = s;
  const name = repoFullName(repo);
  const shows: IssueShows = { firstSeen: known?.record.firstSeen ?? run.at, headSha: run.sha, planHash: r.planHash };
  const live = (await deps.store.liveApplies(name, r.project.name)).find((l) => l.outcome === "succeeded");
  const facts = () => ({
    branch: run.branch,
    sha: run.sha,
    shows,
    lastSeen: run.at,
    live: live ? { commitSha: live.commitSha, source: live.source, number: live.number, finishedAt: live.finishedAt } : undefined,
    paused: s.pausedOf(r.project),
    onDrift: s.onDriftOf(r.project),
  });
  let issue = known?.issue;
  if (!issue) {
    const { title, body } = renderDriftIssue(r, facts(), s.redact);
    issue = await vcs.createIssue(repo, { title, body, labels: [DRIFT_LABEL] });
    // Recorded at once: only issues the store knows are ever taken for Sluice's.
    await deps.store.recordDriftIssue({ repo: name, project: r.project.name, number: issue.number, firstSeen: run.at });
  }
  // The plan the issue shows is what `/apply` on it may run: saved under the issue's number.
  await supersede(s, issue.number);
  // With its bytes: `/apply` on the issue may be taken by another replica.
  const read = await readPlanFile(r.planFile);
  if (!read.ok) throw new Error(`${r.project.name}: ${read.reason}`);
  const file = read.file;
  if (!file.bytes)
    deps.log.warn({ jobId: s.job.id, project: r.project.name, bytes: file.size }, "plan file too large to keep in the store");
  const newPlan = {
    repo: name,
    pr: issue.number,
    project: r.project.name,
    dir: r.project.dir,
    workspace: r.project.workspace,
    runner: r.project.runner,
    headSha: run.sha,
    baseSha: run.sha,
    planPath: r.planFile,
    planHash: r.planHash,
    summary: { ...withoutSecrets(r.summary), details: undefined },
    jobId: s.job.id,
  };
  const plan = await deps.store.savePlan(newPlan, { ...file, mac: signPlan(deps.planKey, newPlan) });
  const commentIds = await syncPlanComments(s, r, issue.number, known?.record.commentIds ?? []);
  const { title, body } = renderDriftIssue(r, facts(), s.redact);
  // Title and body only: a person who closed the issue since this run found it open closed it on
  // purpose (its close discards the plan); reopening it would undo that. The next check opens a new one.
  const edited = await vcs.updateIssue(repo, issue.number, { title, body });
  // Shown once the issue shows it: an `/apply` written before then (GitHub's clock, as its comment's
  // `created_at`) never saw this plan. An update that failed shows it never.
  await deps.store.markPlanShown(plan.id, edited.updatedAt ?? new Date().toISOString());
  await deps.store.updateDriftIssue(name, issue.number, { commentIds, plan: { id: plan.id, hash: r.planHash, headSha: run.sha } });
  return issue;
}

const LIVE_ONLY =
  "What drifted is in the cluster, not in git: the render diff below is the default branch against itself; the live diff at the end of the output shows what applying it would change.";

/**
 * The full plan, split like PR comments; the same comments are edited on every run. `ids` are the
 * store's: comments Sluice created on this issue. A new one is looked for first among the app's own
 * comments on this issue (one an earlier run created but did not get to record), never elsewhere.
 */
async function syncPlanComments(
  s: IssueSync,
  r: Extract<ProjectDrift, { status: "drifted" }>,
  issue: number,
  ids: number[],
): Promise<number[]> {
  const bodies = renderComments(
    {
      jobId: `drift-${r.project.name}`,
      command: "plan",
      state: "done",
      headSha: s.run.sha,
      triggerText: "drift check",
      results: [{ project: r.project, status: "planned", summary: r.summary, output: r.output }],
      // A Kubernetes project's render diff is git against itself: its drift is in the live diff.
      ...(r.summary.hasChanges ? {} : { notice: LIVE_ONLY }),
    },
    s.redact,
    { maxComments: s.deps.config.max_comments },
  );
  const out: number[] = [];
  for (const [i, body] of bodies.entries()) {
    const id = ids[i];
    if (id !== undefined) {
      await s.vcs.updateComment(s.repo, id, body);
      out.push(id);
    } else {
      out.push(await s.vcs.createComment(s.repo, issue, body, { mayExist: true }));
    }
  }
  // Comments a longer plan needed before: emptied, kept so the ids stay stable.
  for (const [i, id] of ids.slice(bodies.length).entries()) {
    await s.vcs.updateComment(
      s.repo,
      id,
      printComment({
        marker: jobMarker(`drift-${r.project.name}`, bodies.length + i + 1),
        text: "_(This part of an earlier plan is no longer used.)_",
      }),
    );
  }
  return [...out, ...ids.slice(bodies.length)];
}

/** Supersedes the issue's pending plan and removes its file (each run keeps its own). */
async function supersede(s: IssueSync, issue: number): Promise<void> {
  const name = repoFullName(s.repo);
  const pending = await s.deps.store.pendingPlans(name, issue);
  await s.deps.store.supersedePlans(name, issue);
  for (const p of pending) await rm(p.planPath, { force: true });
}
