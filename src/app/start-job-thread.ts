import { Worker } from "node:worker_threads";
import type { EnvConfig } from "../config/env-config.js";
import type { JobMetricsPort, JobRuntime, JobRuntimeOverrides } from "./create-job-runtime.js";
import type { FromJobThread, ToJobThread } from "./job-thread-messages.js";
import { coalescedWake, wakePendingCell } from "./job-thread-wake.js";

/** Run from the TypeScript sources (tsx: tests, benchmarks, `npm run dev`), not from dist/. */
const fromSource = () => import.meta.url.endsWith(".ts");

export interface JobThreadOptions {
  env: EnvConfig;
  overrides?: JobRuntimeOverrides;
  /** The runtime's reports, and the job thread's heap (jobThreadHeap: bytes used, the heap's size). */
  metrics: JobMetricsPort & { jobThreadHeap(used: number, size: number): void };
  /** Shared with the HTTP thread's store: see store/deliveries-first.ts. */
  deliveriesFirst: SharedArrayBuffer;
  log: { warn(obj: object, msg: string): void };
  /** The thread ended without being asked (a fault): the process cannot run jobs any more. */
  onDeath(reason: string): void;
}

/**
 * Starts the job runtime on a worker thread and resolves once it has recovered the jobs a previous
 * process left; it claims jobs after `start()`. Jobs (claiming, git, tools, rendering, GitHub calls)
 * then never hold the HTTP thread's event loop, so a webhook is answered as soon as it is persisted.
 */
export function startJobThread(opts: JobThreadOptions): Promise<JobRuntime> {
  const wakePending = wakePendingCell();
  const workerData = { env: opts.env, overrides: opts.overrides ?? {}, deliveriesFirst: opts.deliveriesFirst, wakePending };
  const thread = fromSource()
    ? // tsx registers its loader on the main thread only: the thread registers it, then loads the entry.
      new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL("./job-thread.ts", import.meta.url).href)}); });`,
        { eval: true, workerData },
      )
    : new Worker(new URL("./job-thread.js", import.meta.url), { workerData });
  const send = (m: ToJobThread) => thread.postMessage(m);
  const wake = coalescedWake(wakePending, () => send({ type: "wake" }));
  let stopping = false;
  let dead = false;
  const death = (reason: string) => {
    if (dead) return;
    dead = true;
    opts.onDeath(reason);
  };
  let stopped: (() => void) | undefined;
  let stopFailed: ((e: Error) => void) | undefined;
  return new Promise<JobRuntime>((resolve, reject) => {
    let ready = false;
    thread.on("message", (m: FromJobThread) => {
      if (m.type === "job-finished") opts.metrics.jobFinished(m.kind, m.outcome, m.seconds);
      else if (m.type === "rate-limit") opts.metrics.rateLimitRemaining(m.remaining);
      else if (m.type === "heap") opts.metrics.jobThreadHeap(m.used, m.size);
      else if (m.type === "stopped") stopped?.();
      else if (m.type === "stop-failed") stopFailed?.(new Error(m.message));
      else if (m.type === "ready") {
        ready = true;
        if (m.priorityNotLowered) {
          opts.log.warn({ reason: m.priorityNotLowered }, "the job thread runs at the HTTP thread's CPU priority (could not lower it)");
        }
        resolve({
          start: async () => {
            if (!stopping) send({ type: "start" });
          },
          wake: () => {
            if (!stopping) wake();
          },
          stop: () =>
            new Promise<void>((done, fail) => {
              stopping = true;
              stopped = done;
              stopFailed = fail;
              send({ type: "stop" });
            }),
        });
      }
    });
    thread.on("error", (e) => {
      if (!ready) reject(e);
      else death(e.message);
    });
    thread.on("exit", (code) => {
      if (!ready) reject(new Error(`the job thread exited with code ${code} before it was ready`));
      else if (!stopping) death(`the job thread exited with code ${code}`);
      // Exiting on its own during a stop is a clean stop only with code 0.
      else if (code === 0) stopped?.();
      else stopFailed?.(new Error(`the job thread exited with code ${code} while stopping`));
    });
  });
}
