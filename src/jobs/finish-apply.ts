import type { Project } from "../model/project.js";
import type { ProjectResult } from "../model/project-result.js";
import { repoFullName } from "../model/repo.js";
import { errorMessage } from "../util/errors.js";
import type { ApplyContext } from "./apply-context.js";
import type { Publisher } from "./apply-publisher.js";
import { replanDependents } from "./replan-dependents.js";

/**
 * The apply's last steps once its projects ran: dependents of what changed are planned again, an
 * `automerge` repo merges the PR when nothing is left to apply, and the final answer is posted.
 */
export async function finishApply(
  ctx: Pick<ApplyContext, "job" | "deps" | "vcs" | "pr">,
  publisher: Publisher,
  /** `warning`: said after the rest (a post-workflow hook that failed). */
  done: { ordered: ProjectResult[]; all: Project[]; automerge: boolean; warning?: string },
): Promise<void> {
  const { job, deps, pr } = ctx;
  const repo = repoFullName(job.target.repo);
  const allApplied = done.ordered.every((r) => r.status === "applied");
  const waiting = (await deps.store.pendingPlans(repo, pr.number)).map((p) => p.project);
  let notice = await replanDependents(deps, job, done.all, done.ordered, waiting);
  if (allApplied && done.automerge && (await deps.store.pendingPlans(repo, pr.number)).length === 0) {
    try {
      await ctx.vcs.merge(job.target.repo, pr.number, "merge", pr.headSha);
      notice = "Every project is applied: the pull request was merged (automerge).";
    } catch (e) {
      notice = `Every project is applied, but automerge failed: ${errorMessage(e)}`;
    }
  }
  const said = [notice, done.warning].filter((t) => t !== undefined && t !== "").join("\n\n");
  await publisher.final({ state: "done", results: done.ordered, ...(said ? { notice: said } : {}) });
}
