import type { JobSpec, JobWith, SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { Store } from "../store/store.js";

/**
 * Plans that would do the same thing: the same selection and arguments (autoplan = a bare
 * `/plan`); `/plan --why` plans nothing, so it never stands in for a plan.
 */
function planKey(spec: SpecOf<"plan">): string {
  const command = spec.command;
  return JSON.stringify([command?.filter ?? {}, command?.extraArgs ?? [], command?.why === true]);
}

/** Only plans coalesce: a job of another kind has no key, so it never matches one. */
const keyOf = (spec: JobSpec) => (spec.kind === "plan" ? planKey(spec) : undefined);

/**
 * A newer plan job of the same PR that will make the same plans, queued or already running: this
 * one would only be overwritten by it, so it yields. A burst of `/plan` comments costs one plan.
 */
export async function newerPlanJob(store: Pick<Store, "activeJobsOf">, job: JobWith<SpecOf<"plan">>): Promise<number | undefined> {
  const key = planKey(job.spec);
  const others = await store.activeJobsOf(repoFullName(job.target.repo), job.target.pr);
  return others
    .filter((o) => o.id > job.id && keyOf(o.spec) === key)
    .map((o) => o.id)
    .sort((a, b) => b - a)[0];
}
