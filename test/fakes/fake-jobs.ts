import type { Job, JobSpec, JobTarget, JobWith } from "../../src/model/job.js";
import type { Store } from "../../src/store/store.js";

/** Pull request `pr` of acme/infra, the repository of the fakes, as a job's target. */
export const acmeInfra = (pr: number): JobTarget => ({
  installationId: 1,
  repo: { owner: "acme", name: "infra" },
  cloneUrl: "http://git/acme/infra.git",
  pr,
});

let nextId = 1;

/**
 * A job of `spec` as the worker hands it to runJob (running, first attempt), on pull request `pr`
 * (1 unless said), stored at `createdAt` (now unless said); never in a store: each has an id and a
 * delivery of its own.
 */
export function runningJob<S extends JobSpec>(spec: S, opts: { pr?: number; createdAt?: string } = {}): JobWith<S> {
  const id = nextId++;
  const createdAt = opts.createdAt ?? new Date().toISOString();
  return {
    id,
    deliveryId: `d${id}`,
    target: acmeInfra(opts.pr ?? 1),
    spec,
    status: "running",
    attempts: 1,
    commentIds: [],
    createdAt,
    updatedAt: createdAt,
  };
}

/** A comment's written time on a spec: `{ commentAt }`, or nothing for a comment of unknown time. */
export const writtenAt = (commentAt: string | undefined): { commentAt?: string } => (commentAt ? { commentAt } : {});

/** `spec` stored on `target` and claimed as the worker claims a job: the job runJob is handed. */
export async function claimedJob(store: Store, target: JobTarget, spec: JobSpec): Promise<Job> {
  const id = await store.enqueueInternal(target, spec);
  await store.updateJob(id, { status: "running" });
  const job = await store.getJob(id);
  if (!job) throw new Error(`job ${id} (${spec.kind}) is not in the store`);
  return job;
}
