import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { Store } from "../store/store.js";
import { describeJobFault } from "./describe-job-fault.js";
import { errorMessage } from "../util/errors.js";

export interface WorkerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Takes queued jobs from the store and runs them in the background, so that ingress only has to
 * persist a job and answer. `notify` is called after each new job; `stop` lets running jobs end.
 */
export class Worker {
  private readonly running = new Set<Promise<void>>();
  private stopping = false;
  private pumping = false;
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly runJob: (job: Job) => Promise<void>,
    private readonly log: WorkerLog,
    private readonly maxJobs = 32,
    /** Awaited before each claim: while this process receives deliveries, new jobs wait (bounded). */
    private readonly beforeClaim?: () => Promise<void>,
  ) {}

  notify(): void {
    if (this.stopping) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.again) {
        this.again = false;
        this.notify();
      }
    });
  }

  private async pump(): Promise<void> {
    while (!this.stopping && this.running.size < this.maxJobs) {
      await this.beforeClaim?.();
      if (this.stopping) return;
      const job = await this.store.claimNextJob();
      if (!job) return;
      const p = this.execute(job).finally(() => {
        this.running.delete(p);
        this.notify();
      });
      this.running.add(p);
    }
  }

  private async execute(job: Job): Promise<void> {
    const { repo, pr } = job.target;
    this.log.info(
      { jobId: job.id, deliveryId: job.deliveryId, repo: repoFullName(repo), pr, kind: job.spec.kind, queuedAt: job.createdAt },
      "job started",
    );
    try {
      await this.runJob(job);
      await this.store.updateJob(job.id, { status: "done" });
    } catch (e) {
      const message = errorMessage(e);
      const fault = describeJobFault(e);
      this.log.error({ jobId: job.id, deliveryId: job.deliveryId, err: fault.message, cause: fault.cause }, "job failed");
      await this.store.updateJob(job.id, { status: "failed", error: message }).catch(() => undefined);
    }
  }

  /** Resolves when no job is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }
}
