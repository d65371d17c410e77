import type { ApplyOutcome } from "../../runners/runner.js";
import { stateCountName } from "../config/trusted-identity.js";
import type { Project } from "../model/project.js";
import type { RepoRef } from "../model/repo.js";
import type { ApplyRecord, ProjectRunnerContext } from "./project-runner.js";
import { recordLiveApply } from "./record-live-apply.js";

/**
 * An apply's records, in one order for every road: the apply's start (a crash mid-apply is found
 * at restart), the saved plan marked used (never applied twice; durable before the tool starts),
 * the live record and its Deployment around the tool, and the apply's end.
 */
export async function recorded(
  ctx: ProjectRunnerContext,
  project: Project,
  rec: ApplyRecord,
  /** The approvals the gate counted for this apply (its pass's). */
  approvers: readonly string[],
  run: () => Promise<ApplyOutcome>,
): Promise<ApplyOutcome> {
  const { deps, job, vcs } = ctx;
  if (!vcs) throw new Error("an apply with records needs the job's GitHub client");
  const repo: RepoRef = job.target.repo;
  const repoName = `${repo.owner}/${repo.name}`;
  // Recorded under the trusted identity's name: a PR that renames its project (or names a new one
  // like another) does not make its apply count as another project's, nor deploy to its environment.
  const name = ctx.settings.recordNameOf(project);
  const applyId = await deps.store.recordApplyStart({
    jobId: job.id,
    repo: repoName,
    pr: rec.live.number,
    project: name,
    planId: rec.planId,
  });
  if (rec.markPlanUsed) await deps.store.markPlanApplied(rec.planId);
  const live = { ...rec.live, approvers: [...approvers], repo: repoName, project: name, dir: project.dir, workspace: project.workspace };
  const countedAs = stateCountName(ctx.settings.baseProjects, project, name);
  const outcome = await recordLiveApply(deps, vcs, repo, live, run, countedAs).catch(async (e: unknown) => {
    await deps.store.recordApplyEnd(applyId, "failed");
    throw e;
  });
  // One refused before its tool started left the state as it was: never unsettled (rule 8).
  await deps.store.recordApplyEnd(applyId, outcome.ok ? "succeeded" : outcome.untouched ? "refused" : "failed");
  return outcome;
}
