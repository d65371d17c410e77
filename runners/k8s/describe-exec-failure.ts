import type { ExecResult } from "../exec.js";

export function describeExecFailure(what: string, r: ExecResult, timeoutMs: number): string {
  if (r.limit) return `${what} was stopped: ${r.limit.message} (server setting \`limits\`)`;
  if (r.timedOut) return `${what} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped`;
  if (r.signal) return `${what} was killed by ${r.signal}`;
  return `${what} exited with code ${r.exitCode}`;
}
