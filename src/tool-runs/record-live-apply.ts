import type { JobDeps } from "../job-context/job-deps.js";
import type { RepoRef } from "../model/repo.js";
import type { NewLiveApply } from "../store/store.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { errorMessage } from "../util/errors.js";

/**
 * Wraps one apply so it lands in the live record and on GitHub as a Deployment (environment = the
 * project name) with in_progress → success | failure. The record is written before the tool runs;
 * GitHub trouble is logged, never a reason not to apply or to lose the record. A Terraform apply's
 * read-back count is kept with it.
 */
export async function recordLiveApply<T extends { ok: boolean; readBack?: { addresses: number } }>(
  deps: Pick<JobDeps, "store" | "log">,
  vcs: VcsClient,
  repo: RepoRef,
  rec: NewLiveApply,
  apply: () => Promise<T>,
  /** The name its state's count is kept apart by, where several base projects share its dir and workspace (stateCountName). */
  countedAs?: string,
): Promise<T> {
  const id = await deps.store.recordLiveApplyStart(rec);
  const warn = (what: string) => (e: unknown) => {
    deps.log.warn({ repo: rec.repo, project: rec.project, err: errorMessage(e) }, what);
    return undefined;
  };
  const by =
    rec.source === "reconcile" ? "reconciled by Sluice" : `${rec.source === "drift-issue" ? "issue" : "PR"} #${rec.number} by ${rec.actor}`;
  const deployment = await vcs
    .createDeployment(repo, { sha: rec.commitSha, environment: rec.project, description: `sluice apply: ${by}` })
    .catch(warn("could not create the GitHub deployment"));
  if (deployment !== undefined) {
    await deps.store.recordLiveApplyDeployment(id, deployment);
    await vcs.setDeploymentStatus(repo, deployment, "in_progress", `applying (${by})`).catch(warn("could not set the deployment status"));
  }
  let result: T;
  try {
    result = await apply();
  } catch (e) {
    await deps.store.recordLiveApplyEnd(id, "failed", deployment);
    if (deployment !== undefined)
      await vcs
        .setDeploymentStatus(repo, deployment, "error", "the apply could not run")
        .catch(warn("could not set the deployment status"));
    throw e;
  }
  // What the read-back found in the state is the project's trusted count: later plans are measured against it.
  await deps.store.recordLiveApplyEnd(id, result.ok ? "succeeded" : "failed", deployment, result.readBack?.addresses, countedAs);
  if (deployment !== undefined) {
    await vcs
      .setDeploymentStatus(repo, deployment, result.ok ? "success" : "failure", result.ok ? `applied (${by})` : `apply failed (${by})`)
      .catch(warn("could not set the deployment status"));
  }
  return result;
}
