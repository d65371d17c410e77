import { DRIFT_LABEL } from "../model/drift.js";
import type { DriftIssue } from "../model/drift-issue.js";
import type { RepoRef } from "../model/repo.js";
import { repoFullName } from "../model/repo.js";
import { projectOfIssue } from "./render-drift.js";
import { type IssueInfo, type VcsClient, VcsError } from "../vcs/vcs-client.js";
import type { JobDeps } from "../job-context/job-deps.js";

/** A drift issue of Sluice's that is open both in the store and on GitHub. */
export interface OpenDriftIssue {
  record: DriftIssue;
  issue: IssueInfo;
}

export interface OpenDriftIssues {
  /** By project. */
  open: Map<string, OpenDriftIssue>;
  /** Issues the store had open that a person closed (or deleted): their plans may no longer be applied. */
  gone: number[];
}

/**
 * The open drift issue of each of `projects`: the one the store recorded when Sluice opened it,
 * still open on GitHub (one a person closed is marked closed, and the project gets a new issue
 * when it drifts again). A labelled issue the store does not know is never taken for Sluice's:
 * only one the app itself opened before the store kept drift issues, with the project on its
 * first line, is adopted, once; every other one is left alone and logged.
 */
export async function openDriftIssuesOf(
  deps: Pick<JobDeps, "store" | "log">,
  vcs: VcsClient,
  repo: RepoRef,
  projects: string[],
  at: string,
): Promise<OpenDriftIssues> {
  const name = repoFullName(repo);
  const wanted = new Set(projects);
  const open = new Map<string, OpenDriftIssue>();
  const gone: number[] = [];
  for (const record of await deps.store.openDriftIssues(name)) {
    if (!wanted.has(record.project)) continue;
    const issue = await liveIssue(vcs, repo, record.number);
    if (issue?.state === "open") {
      open.set(record.project, { record, issue });
      continue;
    }
    await deps.store.updateDriftIssue(name, record.number, { open: false, plan: null });
    gone.push(record.number);
    deps.log.info(
      { repo: name, project: record.project, issue: record.number },
      "drift issue closed by hand: a new one opens on the next drift",
    );
  }
  if (projects.every((p) => open.has(p))) return { open, gone };

  for (const issue of (await vcs.openIssues(repo, DRIFT_LABEL)).sort((a, b) => a.number - b.number)) {
    if ([...open.values()].some((o) => o.issue.number === issue.number)) continue;
    if (await deps.store.driftIssue(name, issue.number)) continue;
    const project = projectOfIssue(issue.body);
    if (!issue.byApp || project === undefined || !wanted.has(project) || open.has(project)) {
      deps.log.info(
        { repo: name, issue: issue.number, author: issue.author, project },
        `issue labelled ${DRIFT_LABEL} ignored: ${issue.byApp ? "not the open issue of a checked project" : "Sluice did not open it"}`,
      );
      continue;
    }
    // Opened by Sluice before the store kept drift issues: its project comes from the first line
    // the app wrote; nothing else in its body (comment ids, plan) is read.
    await deps.store.recordDriftIssue({ repo: name, project, number: issue.number, firstSeen: at });
    const record = await deps.store.driftIssue(name, issue.number);
    if (!record) throw new Error(`drift issue #${issue.number} was not recorded`);
    open.set(project, { record, issue });
    deps.log.info({ repo: name, project, issue: issue.number }, "drift issue of an earlier version adopted");
  }
  return { open, gone };
}

/** The issue as GitHub shows it now; undefined when it is gone (deleted or transferred). */
async function liveIssue(vcs: VcsClient, repo: RepoRef, number: number): Promise<IssueInfo | undefined> {
  try {
    return await vcs.issue(repo, number);
  } catch (e) {
    if (e instanceof VcsError && (e.status === 404 || e.status === 410)) return undefined;
    throw e;
  }
}
