import { setFlagsFromString } from "node:v8";
import type { Worker } from "node:worker_threads";

/**
 * The job thread's young generation, per semi-space (MB). What it allocates (tool output, plan
 * JSON, GitHub replies) is garbage within a job, so a small one keeps its memory down while plans
 * run; the HTTP thread keeps the command line's (4 MB: a burst of deliveries allocates faster).
 */
export const JOB_THREAD_SEMI_SPACE_MB = 1;

/** The `--max-semi-space-size` this process was started with (0: V8's own default). */
export function startSemiSpaceMb(execArgv: readonly string[] = process.execArgv): number {
  let mb = 0;
  for (const [i, arg] of execArgv.entries()) {
    const value = arg.startsWith("--max-semi-space-size=")
      ? arg.split("=")[1]
      : arg === "--max-semi-space-size"
        ? execArgv[i + 1]
        : undefined;
    if (value !== undefined && /^\d+$/.test(value)) mb = Number(value);
  }
  return mb;
}

/**
 * Starts a worker whose isolate gets a young generation of `semiSpaceMb`. A V8 flag on the command
 * line overrides a Worker's `resourceLimits.maxYoungGenerationSizeMb`, so the flag itself is set
 * for the moment the worker's isolate is made (before it runs any code: "online") and then put
 * back; the flag is read only when an isolate's heap is set up, never by a running one.
 */
export function withYoungGeneration(semiSpaceMb: number, start: () => Worker): Worker {
  const previous = startSemiSpaceMb();
  setFlagsFromString(`--max-semi-space-size=${semiSpaceMb}`);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    setFlagsFromString(`--max-semi-space-size=${previous}`);
  };
  try {
    const worker = start();
    worker.once("online", restore);
    worker.once("error", restore);
    worker.once("exit", restore);
    return worker;
  } catch (e) {
    restore();
    throw e;
  }
}
