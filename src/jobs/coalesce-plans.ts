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
 * Only a job that will plan stands in (`willPlan`: its user may plan): a `/plan` by someone who
 * may not is refused when it runs, and yielding to it would cancel a plan anyone can stop.
 */
export async function newerPlanJob(
  store: Pick<Store, "activeJobsOf">,
  job: JobWith<SpecOf<"plan">>,
  willPlan: (newer: JobWith<SpecOf<"plan">>) => Promise<boolean> = async () => true,
): Promise<number | undefined> {
  const key = planKey(job.spec);
  const others = await store.activeJobsOf(repoFullName(job.target.repo), job.target.pr);
  const same = others.filter((o): o is JobWith<SpecOf<"plan">> => o.id > job.id && keyOf(o.spec) === key).sort((a, b) => b.id - a.id);
  for (const o of same) if (await willPlan(o)) return o.id;
  return undefined;
}
