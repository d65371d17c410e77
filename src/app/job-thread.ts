import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import type { EnvConfig } from "../config/env-config.js";
import { type JobRuntimeOverrides, startJobRuntime } from "./create-job-runtime.js";
import type { FromJobThread, ToJobThread } from "./job-thread-messages.js";
import { lowerThreadPriority } from "./lower-thread-priority.js";
import { wakeRead } from "./job-thread-wake.js";
import { errorMessage } from "../util/errors.js";

/** The job thread's nice value (0 = the HTTP thread's). The tools it starts inherit it. */
const JOB_THREAD_NICE = 10;

/** How often the job thread's heap is reported to the HTTP thread's metrics. */
const HEAP_REPORT_MS = 15_000;

/** Entry point of the job thread (started by start-job-thread.ts): runs jobs, told when to look. */
const port = parentPort;
if (!port) throw new Error("job-thread.ts runs as a worker thread");
const { env, overrides, deliveriesFirst, wakePending } = workerData as {
  env: EnvConfig;
  overrides: JobRuntimeOverrides;
  deliveriesFirst: SharedArrayBuffer;
  wakePending: SharedArrayBuffer;
};
const post = (m: FromJobThread) => port.postMessage(m);
// Jobs are background work: when both threads want the CPU, the webhooks' answers go first.
const priority = lowerThreadPriority(JOB_THREAD_NICE);

const runtime = await startJobRuntime(
  env,
  {
    jobFinished: (kind, outcome, seconds) => post({ type: "job-finished", kind, outcome, seconds }),
    rateLimitRemaining: (remaining) => post({ type: "rate-limit", remaining }),
  },
  overrides,
  deliveriesFirst,
);
// The process metrics are the HTTP thread's own heap: this thread's is told apart (sluice_job_thread_heap_*).
const reportHeap = () => {
  const heap = getHeapStatistics();
  post({ type: "heap", used: heap.used_heap_size, size: heap.total_heap_size });
};
reportHeap();
const heapReports = setInterval(reportHeap, HEAP_REPORT_MS);
heapReports.unref();
port.on("message", (m: ToJobThread) => {
  if (m.type === "wake") {
    wakeRead(wakePending);
    return runtime.wake();
  }
  // A failure here ends the thread (unhandled): the HTTP thread then exits (see start-job-thread.ts).
  if (m.type === "start") return void runtime.start();
  clearInterval(heapReports);
  void runtime.stop().then(
    () => {
      post({ type: "stopped" });
      port.close();
    },
    (e: unknown) => {
      post({ type: "stop-failed", message: errorMessage(e) });
      port.close();
    },
  );
});
post({ type: "ready", ...(priority.ok ? {} : { priorityNotLowered: priority.reason }) });
