import { rm } from "node:fs/promises";
import type { JobDeps } from "../job-deps.js";
import { readPlanFile } from "../read-plan-file.js";
import { signPlan } from "../plan-signature.js";
import { withoutSecrets } from "../without-secrets.js";
import type { Job } from "../../model/job.js";
import type { RepoRef } from "../../model/repo.js";
import { repoFullName } from "../../model/repo.js";
import { renderComments } from "../../render/render-comment.js";
import type { Redactor } from "../../util/redact.js";
import { DRIFT_LABEL } from "../../model/drift.js";
import type { IssueInfo, VcsClient } from "../../vcs/vcs-client.js";
import type { DriftRun, ProjectDrift } from "../../drift/drift-result.js";
import { type IssueState, projectOfIssue, readIssueState, renderClosingComment, renderDriftIssue } from "../../drift/render-drift.js";
import { markerFor } from "../../render/marker.js";

export interface IssueSync {
  deps: JobDeps;
  vcs: VcsClient;
  job: Job;
  repo: RepoRef;
  run: DriftRun;
  redact: Redactor;
  onDriftOf(project: string): "report" | "apply";
  pausedOf(project: string): { actor: string; reason: string } | undefined;
}

/**
 * One open issue per drifted project, found again by the marker on its first line: created once,
 * edited in place on each run (its full plan in comments, also edited in place), and closed with
 * a comment when a run finds the project back in line. Returns the open issue of each project.
 */
export async function syncDriftIssues(s: IssueSync): Promise<Map<string, IssueInfo>> {
  const { vcs, repo, run } = s;
  const open = new Map<string, IssueInfo>();
  for (const issue of (await vcs.openIssues(repo, DRIFT_LABEL)).sort((a, b) => a.number - b.number)) {
    const project = projectOfIssue(issue.body);
    if (project !== undefined && !open.has(project)) open.set(project, issue);
  }
  const urls = new Map<string, IssueInfo>();
  for (const r of run.results) {
    const issue = open.get(r.project.name);
    const reconciled = r.status === "drifted" && r.reconcile?.done === true && r.reconcile.outcome === "applied";
    if (r.status === "in-line" || reconciled) {
      if (!issue) continue;
      const closing = s.redact(renderClosingComment(r.project.name, run.sha, reconciled ? "applied" : "in-line"));
      await vcs.createComment(repo, issue.number, `${markerFor(`${s.job.id}-closed-${r.project.name}`, 1)}\n${closing}`);
      await vcs.updateIssue(repo, issue.number, { state: "closed" });
      await supersede(s, issue.number);
      continue;
    }
    if (r.status !== "drifted") {
      // No current plan for this project: whatever the issue shows may no longer be applied.
      if (issue) {
        await supersede(s, issue.number);
        urls.set(r.project.name, issue);
      }
      continue;
    }
    urls.set(r.project.name, await upsertIssue(s, r, issue));
  }
  return urls;
}

async function upsertIssue(
  s: IssueSync,
  r: Extract<ProjectDrift, { status: "drifted" }>,
  existing: IssueInfo | undefined,
): Promise<IssueInfo> {
  const { deps, vcs, repo, run } = s;
  const previous = existing ? readIssueState(existing.body) : undefined;
  const state: IssueState = {
    firstSeen: previous?.firstSeen ?? run.at,
    planId: 0,
    headSha: run.sha,
    planHash: r.planHash,
    comments: previous?.comments ?? [],
  };
  const live = (await deps.store.liveApplies(repoFullName(repo), r.project.name)).find((l) => l.outcome === "succeeded");
  const facts = () => ({
    branch: run.branch,
    sha: run.sha,
    state,
    lastSeen: run.at,
    live: live ? { commitSha: live.commitSha, source: live.source, number: live.number, finishedAt: live.finishedAt } : undefined,
    paused: s.pausedOf(r.project.name),
    onDrift: s.onDriftOf(r.project.name),
  });
  let issue = existing;
  if (!issue) {
    const { title, body } = renderDriftIssue(r, facts(), s.redact);
    issue = await vcs.createIssue(repo, { title, body, labels: [DRIFT_LABEL] });
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
    repo: repoFullName(repo),
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
  state.planId = plan.id;
  state.comments = await syncPlanComments(s, r, issue.number, state.comments);
  const { title, body } = renderDriftIssue(r, facts(), s.redact);
  await vcs.updateIssue(repo, issue.number, { title, body, state: "open" });
  return issue;
}

/** The full plan, split like PR comments; the same comments are edited on every run. */
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
      out.push(await s.vcs.createComment(s.repo, issue, body));
    }
  }
  // Comments a longer plan needed before: emptied, kept so the ids stay stable.
  for (const [i, id] of ids.slice(bodies.length).entries()) {
    await s.vcs.updateComment(
      s.repo,
      id,
      `${markerFor(`drift-${r.project.name}`, bodies.length + i + 1)}\n_(This part of an earlier plan is no longer used.)_`,
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
