import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { Store } from "../store/store.js";

/**
 * Plans that would do the same thing: the same selection and arguments (autoplan = a bare
 * `/plan`); `/plan --why` plans nothing, so it never stands in for a plan.
 */
function planKey(job: Job): string | undefined {
  if (job.spec.kind !== "plan") return undefined;
  const command = job.spec.command;
  return JSON.stringify([command?.filter ?? {}, command?.extraArgs ?? [], command?.why === true]);
}

/**
 * A newer plan job of the same PR that will make the same plans, queued or already running: this
 * one would only be overwritten by it, so it yields. A burst of `/plan` comments costs one plan.
 */
export async function newerPlanJob(store: Pick<Store, "activeJobsOf">, job: Job): Promise<number | undefined> {
  const key = planKey(job);
  // Only plans coalesce: without this, two jobs of another kind would match on "no key".
  if (key === undefined) return undefined;
  const others = await store.activeJobsOf(repoFullName(job.target.repo), job.target.pr);
  return others
    .filter((o) => o.id > job.id && planKey(o) === key)
    .map((o) => o.id)
    .sort((a, b) => b - a)[0];
}
