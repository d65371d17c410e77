import type { Job } from "../model/job.js";

/**
 * Pure: whether no person asked for this job: Sluice queued it itself (a lock released, a head the
 * heal found, a preview following an autoplan it queued), in its own name. A rule that asks who
 * plans then asks those whose code it is, the pull request's author (and, for a plan, whoever was
 * heard pushing its head); never the name `sluice`, which no `permissions` rule lists.
 */
export function queuedBySluice(job: Pick<Job, "deliveryId" | "spec">): boolean {
  return job.deliveryId.startsWith("sluice-internal-") && job.spec.actor === "sluice";
}
