import { dependentsToReplan } from "../inputs/dependents-to-replan.js";
import { type JobWith, type SpecOf, actorIdField } from "../model/job.js";
import type { ProjectResult } from "../model/project-result.js";
import type { Project } from "../model/project.js";
import type { JobDeps } from "../job-context/job-deps.js";

/**
 * After an apply: every project of the pull request (a pending plan) that takes outputs of a
 * project just applied is planned again, as `/plan -p NAME` by whoever applied, so its plan uses
 * the real values. Returns the comment's note, or undefined when none is re-planned.
 */
export async function replanDependents(
  deps: Pick<JobDeps, "store" | "wake" | "log">,
  job: JobWith<SpecOf<"apply">>,
  all: readonly Project[],
  results: readonly ProjectResult[],
  pending: readonly string[],
): Promise<string | undefined> {
  if (job.spec.trigger === "merge") return undefined;
  const applied = results.filter((r) => r.status === "applied").map((r) => r.project.name);
  const replan = dependentsToReplan(all, applied, pending);
  for (const { name } of replan) {
    const commandLine = `/plan -p ${name}`;
    const jobId = await deps.store.enqueueInternal(job.target, {
      kind: "plan",
      trigger: "comment",
      actor: job.spec.actor,
      // Whoever applied, by account id too: an apply user's re-plan is theirs.
      ...actorIdField(job.spec.actorId),
      command: { kind: "plan", filter: { project: name }, extraArgs: [] },
      commandLine,
    });
    deps.log.info({ jobId, project: name }, "a producer was applied: planning its dependent again");
  }
  if (replan.length === 0) return undefined;
  deps.wake();
  // One line: the comment shows a notice's first line as prose.
  const takes = replan.map(({ name, producers }) => `${name} takes outputs of ${producers.join(", ")}, just applied`).join("; ");
  const commands = replan.map(({ name }) => `/plan -p ${name}`).join(", ");
  const one = replan.length === 1 ? (replan[0] as { name: string }).name : "NAME";
  return `🔁 ${takes}: Sluice plans ${replan.length === 1 ? "it" : "them"} again with the real values (${commands}); comment /apply -p ${one} once ${replan.length === 1 ? "that plan is" : "each plan is"} posted.`;
}
