import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ConsoleStore, StoreStats } from "../store/console-store.js";
import { RECONCILED_KINDS } from "../model/reconciled.js";
import type { Store } from "../store/store.js";

type MetricsStore = Pick<ConsoleStore, "stats"> & Pick<Store, "driftChecks">;

/**
 * Sluice's Prometheus metrics (`/metrics`), every name prefixed `sluice_`. Counters are moved by
 * the parts that see the events (ingress, the worker, the GitHub adapter); gauges that describe
 * the store are read from it at scrape time, so every replica reports the shared truth.
 * The parts register in this order, which is the order of the exposition.
 */
export function createMetrics(store: MetricsStore) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "sluice_" });
  const webhooks = webhookMetrics(registry);
  const jobs = jobMetrics(registry);
  const github = githubMetrics(registry);
  const jobThread = jobThreadMetrics(registry);
  storeGauges(registry, store);
  return { registry, ...webhooks, ...jobs, ...github, ...jobThread };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What ingress and the redeliverer count of the deliveries GitHub sends. */
function webhookMetrics(registry: Registry) {
  const received = new Counter({
    name: "sluice_webhooks_received_total",
    help: "Webhook deliveries with a valid signature, by event (`other`: a name GitHub sends Sluice no event of; the header is not signed)",
    labelNames: ["event"],
    registers: [registry],
  });
  const duplicates = new Counter({
    name: "sluice_webhooks_duplicate_total",
    help: "Deliveries (or replayed comments) received before: not acted on again",
    registers: [registry],
  });
  const rejected = new Counter({
    name: "sluice_webhooks_rejected_total",
    help: "Webhook requests refused, by reason (signature, too_large, bad_request, method; busy: answered 503 while the budget of bytes held for unverified bodies was spent; slow: a body not arrived within the deadline, cut; foreign_host: a signed delivery naming another host than the configured GitHub; repository_mismatch: one whose clone URL or full name names another repository than its owner and name)",
    labelNames: ["reason"],
    registers: [registry],
  });
  const redeliveries = new Counter({
    name: "sluice_webhook_redeliveries_total",
    help: "Failed webhook deliveries this replica asked GitHub to send again (asked), or that GitHub refused to (refused)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  return {
    webhookReceived: (event: string) => received.inc({ event }),
    webhookDuplicate: () => duplicates.inc(),
    webhookRejected: (reason: string) => rejected.inc({ reason }),
    webhookRedelivery: (outcome: "asked" | "refused") => redeliveries.inc({ outcome }),
  };
}

/** The jobs this replica's worker ended. */
function jobMetrics(registry: Registry) {
  const jobs = new Counter({
    name: "sluice_jobs_total",
    help: "Jobs finished, by kind and outcome (done, failed)",
    labelNames: ["kind", "outcome"],
    registers: [registry],
  });
  const durations = new Histogram({
    name: "sluice_job_duration_seconds",
    help: "Job run time, by kind",
    labelNames: ["kind"],
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  return {
    /** A job ended (on the job thread): counted by outcome and timed. */
    jobFinished(kind: string, outcome: "done" | "failed", seconds: number): void {
      jobs.inc({ kind, outcome });
      durations.observe({ kind }, seconds);
    },
  };
}

/** What the GitHub adapter last heard of its rate limit. */
function githubMetrics(registry: Registry) {
  const rateLimit = new Gauge({
    name: "sluice_github_rate_limit_remaining",
    help: "Requests left in the current GitHub rate-limit window (last answer seen)",
    registers: [registry],
  });
  return { rateLimitRemaining: (n: number) => rateLimit.set(n) };
}

/** The job thread's heap, which the default metrics (the HTTP thread's) do not see. */
function jobThreadMetrics(registry: Registry) {
  const used = new Gauge({
    name: "sluice_job_thread_heap_used_bytes",
    help: "The job thread's V8 heap in use, in bytes (sluice_nodejs_heap_* are the HTTP thread's); reported every 15 s",
    registers: [registry],
  });
  const size = new Gauge({
    name: "sluice_job_thread_heap_size_bytes",
    help: "The job thread's V8 heap size, in bytes (what V8 has taken for it); reported every 15 s",
    registers: [registry],
  });
  return {
    jobThreadHeap(usedBytes: number, sizeBytes: number): void {
      used.set(usedBytes);
      size.set(sizeBytes);
    },
  };
}

/** Gauges read from the store at scrape time: every replica's truth, not this process's. */
function storeGauges(registry: Registry, store: MetricsStore): void {
  new Gauge({
    name: "sluice_projects_drifted",
    help: "Projects whose live state differs from git at their last drift check",
    registers: [registry],
    async collect() {
      this.set((await store.driftChecks()).filter((c) => c.status === "drifted").length);
    },
  });
  // One store read per scrape serves the gauges below.
  let snapshot: Promise<StoreStats> | undefined;
  const read = () => {
    snapshot ??= store.stats().finally(() => setTimeout(() => (snapshot = undefined), 0));
    return snapshot;
  };
  const statGauge = (name: string, help: string, value: (stats: StoreStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(value(await read()));
      },
    });
  statGauge("sluice_queue_depth", "Jobs waiting to run (all replicas)", (s) => s.queuedJobs);
  statGauge("sluice_jobs_running", "Jobs running now (all replicas)", (s) => s.runningJobs);
  statGauge("sluice_locks_held", "Project locks held by pull requests", (s) => s.locks);
  new Counter({
    name: "sluice_reconciled_total",
    help: `Healing acts of the reconcile with GitHub, by what a lost webhook left undone (${RECONCILED_KINDS.join(", ")}); all replicas`,
    labelNames: ["kind"],
    registers: [registry],
    async collect() {
      const counts = (await read()).reconciled;
      // A count kept in the store (every replica's acts), not in this process: set, not added to.
      this.reset();
      for (const kind of RECONCILED_KINDS) this.inc({ kind }, counts[kind]);
    },
  });
}
