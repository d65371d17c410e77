import { randomUUID } from "node:crypto";
import { repoFullName } from "../model/repo.js";
import type { JobSpec, JobTarget } from "../model/job.js";
import type { Param, Tx, TxBody } from "./db/db.js";
import { type JobRow, records } from "./record-rows.js";
import { type StoreDriver, now } from "./store-driver.js";
import type { Store } from "./store.js";

/** The channel on which a queued job is announced when its transaction commits (PostgreSQL). */
export const JOBS_CHANNEL = "sluice_jobs";

/** Where a job came from: a GitHub delivery, Sluice's own decision, or a drift schedule. */
export type JobSource = "webhook" | "internal" | "schedule";

export interface NewJob {
  deliveryId: string;
  source: JobSource;
  target: JobTarget;
  spec: JobSpec;
  /** Queues the job only if no job was ever queued under this key. */
  onceKey?: string;
}

/**
 * Inserts a queued job inside the caller's transaction and announces it; returns its id, or
 * undefined when its `onceKey` was used before (the unique index decides, also across replicas).
 */
export function* enqueue(t: Tx, job: NewJob): TxBody<number | undefined> {
  const at = now();
  const row = yield* t.get<{ id: number }>(
    `INSERT INTO jobs (delivery_id, source, once_key, target, spec, repo, pr, kind, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (once_key) DO NOTHING RETURNING id`,
    [
      job.deliveryId,
      job.source,
      job.onceKey ?? null,
      job.target,
      job.spec,
      repoFullName(job.target.repo),
      job.target.pr,
      job.spec.kind,
      at,
      at,
    ],
  );
  if (!row) return undefined;
  yield* t.notify(JOBS_CHANNEL, String(row.id));
  return row.id;
}

class Duplicate extends Error {}

const toJob = (r: JobRow) => records.toJob(r);

export type JobQueue = Pick<
  Store,
  "recordDelivery" | "claimNextJob" | "updateJob" | "requeueJob" | "enqueueInternal" | "enqueueInternalOnce"
>;

/** The job queue: deliveries recorded once, jobs claimed fairly (recovered when their process is gone: job-recovery.ts). */
export function jobQueue(driver: StoreDriver): JobQueue {
  const { db } = driver;
  return {
    async recordDelivery(deliveryId, event, job, alsoKeys = []) {
      // ON CONFLICT waits for a concurrent insert of the same id to commit or roll back, so across
      // replicas exactly one transaction records the delivery and its job. The job goes in first
      // so that the delivery row is written once, with its job's id.
      return db
        .tx(function* (t) {
          const jobId = job ? ((yield* enqueue(t, { deliveryId, source: "webhook", ...job })) as number) : undefined;
          const insert = (id: string) =>
            t.run("INSERT INTO deliveries (id, event, job_id, received_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING", [
              id,
              event,
              jobId ?? null,
              now(),
            ]);
          // Throwing rolls the job and the rows before back too: a replay leaves no trace.
          if ((yield* insert(deliveryId)).changes === 0) throw new Duplicate();
          for (const key of alsoKeys) if ((yield* insert(key)).changes === 0) throw new Duplicate();
          return jobId === undefined ? { duplicate: false } : { duplicate: false, jobId };
        })
        .catch((e: unknown) => {
          if (e instanceof Duplicate) return { duplicate: true };
          throw e;
        });
    },
    async enqueueInternal(target, spec) {
      return (await db.tx((t) =>
        enqueue(t, { deliveryId: `sluice-internal-${randomUUID()}`, source: "internal", target, spec }),
      )) as number;
    },
    async enqueueInternalOnce(key, target, spec) {
      return db.tx((t) => enqueue(t, { deliveryId: `sluice-internal-${randomUUID()}`, source: "internal", onceKey: key, target, spec }));
    },
    async claimNextJob() {
      // Fairness first (jobs of PRs, then repos, with the fewest running jobs), then age. The
      // running counts are taken once per claim, not once per queued job: with 500 queued jobs of
      // one PR, a claim took 0.74–0.95 ms the other way, 0.20–0.26 ms this way (bench/queue-claim.ts).
      // On PostgreSQL a job another replica is claiming right now is passed over, not waited for.
      const row = await db.get<JobRow>(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, owner = ?, updated_at = ?
         WHERE status = 'queued' AND id = (
           SELECT q.id FROM jobs q
           LEFT JOIN (SELECT repo, pr, count(*) AS n FROM jobs WHERE status = 'running' GROUP BY repo, pr) by_pr
             ON by_pr.repo = q.repo AND by_pr.pr = q.pr
           LEFT JOIN (SELECT repo, count(*) AS n FROM jobs WHERE status = 'running' GROUP BY repo) by_repo
             ON by_repo.repo = q.repo
           WHERE q.status = 'queued'
           ORDER BY coalesce(by_pr.n, 0), coalesce(by_repo.n, 0), q.id
           LIMIT 1 ${db.dialect.skipLocked("q")}
         )
         RETURNING *`,
        [driver.owner, now()],
      );
      return row ? toJob(row) : undefined;
    },
    async updateJob(id, patch) {
      await db.tx(function* (t) {
        const sets = ["updated_at = ?"];
        const values: Param[] = [now()];
        const set = (column: string, value: Param) => {
          sets.push(`${column} = ?`);
          values.push(value);
        };
        if (patch.status !== undefined) set("status", patch.status);
        if (patch.pr !== undefined) {
          const row = yield* t.get<{ target: string }>("SELECT target FROM jobs WHERE id = ?", [id]);
          if (row) set("target", { ...(JSON.parse(row.target) as JobTarget), pr: patch.pr });
          set("pr", patch.pr);
        }
        if (patch.commentIds !== undefined) set("comment_ids", patch.commentIds);
        if (patch.checkRunId !== undefined) set("check_run_id", patch.checkRunId);
        if (patch.error !== undefined) set("error", patch.error);
        yield* t.run(`UPDATE jobs SET ${sets.join(", ")} WHERE id = ?`, [...values, id]);
      });
    },
    async requeueJob(id) {
      await db.run("UPDATE jobs SET status = 'queued', owner = NULL, updated_at = ? WHERE id = ?", [now(), id]);
    },
  };
}
