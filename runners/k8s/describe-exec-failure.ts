import { MAX_CAPTURE } from "../capture-output.js";
import type { ExecResult } from "../exec.js";

export function describeExecFailure(what: string, r: ExecResult, timeoutMs: number): string {
  if (r.limit) return `${what} was stopped: ${r.limit.message} (server setting \`limits\`)`;
  if (r.timedOut) return `${what} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped`;
  if (r.signal) return `${what} was killed by ${r.signal}`;
  if (r.outputCut)
    return `${what} printed more than ${MAX_CAPTURE / 1024 ** 2}M characters, more than Sluice keeps of a run's output, so what it printed cannot be read whole (exit code ${r.exitCode})`;
  return `${what} exited with code ${r.exitCode}`;
}
