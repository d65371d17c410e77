import type { ExecResult } from "../exec.js";

/** One line on why a step of a run failed: a sandbox limit, the timeout, a signal, or its exit code. */
export function describeStepFailure(bin: string, step: string, r: ExecResult, timeoutMs: number): string {
  if (r.limit) return `${bin} ${step} was stopped: ${r.limit.message} (server setting \`limits\`)`;
  if (r.timedOut) return `${bin} ${step} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped`;
  if (r.signal) return `${bin} ${step} was killed by ${r.signal}`;
  return `${bin} ${step} exited with code ${r.exitCode}`;
}
