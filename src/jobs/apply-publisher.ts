import type { SpecOf } from "../model/job.js";
import type { Project } from "../model/project.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { RepoConfig } from "../model/repo-config.js";
import { toProject } from "../projects/resolve-projects.js";
import type { PlanRecord } from "../store/store.js";
import type { JobContext } from "../job-context/job-context.js";
import type { Publisher } from "../job-output/publish-comments.js";

export type { Publisher };

/** The project a plan was made for, with its settings from the head's config when it has any. */
export function projectFor(plan: PlanRecord, config: RepoConfig | undefined): Project {
  const configured = config?.projects.find((p) => p.name === plan.project && p.dir === plan.dir && p.workspace === plan.workspace);
  if (configured) return toProject(configured);
  return { name: plan.project, dir: plan.dir, workspace: plan.workspace, runner: plan.runner as Project["runner"] };
}

/** The apply comment and `sluice/apply` check of a job. */
export function publisherFor(ctx: JobContext<SpecOf<"apply">>, pr: PullRequestInfo, merged: boolean): Publisher {
  const spec = ctx.job.spec;
  return ctx.publisher({
    command: "apply",
    headSha: pr.headSha,
    trigger: {
      text: merged ? "apply on merge" : spec.trigger === "button" ? "Apply button of sluice/plan" : (spec.commandLine ?? "/apply"),
      user: spec.actor,
    },
  });
}

/**
 * `publisher`, whose final answer, when it is a refusal of everything (nothing was applied or even
 * tried), first lets the PR's apply slot go (`free`): a user who reads the refusal and answers at
 * once with `/apply` must not be told an apply is in progress. An answer with any project applied
 * or failed keeps the slot until the job ends.
 * The refusal's `sluice/apply` check run is made while the slot is still held: GitHub (and branch
 * protection) reads a commit's newest check run of a name, so one made after the next apply's
 * would show that apply red. A check GitHub did not take now keeps the slot, as before.
 */
export function freeingSlotOnRefusal(publisher: Publisher, free: () => Promise<void>): Publisher {
  return {
    ...publisher,
    async final(p) {
      if (p.results.every((r) => r.status === "refused")) {
        const checked = await publisher.check({ ...p, state: "done" }).then(
          () => true,
          () => false,
        );
        if (checked) await free();
      }
      await publisher.final(p);
    },
  };
}

/** A refusal is the job's final answer too: kept like a result, so a replica dying now leaves no "interrupted" behind. */
export async function refuseAll(publisher: Publisher, notice: string): Promise<void> {
  await publisher.final({ state: "done", results: [], notice, tone: "refused", failed: true });
}
