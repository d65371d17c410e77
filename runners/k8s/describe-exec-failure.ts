import { MAX_CAPTURE } from "../capture-output.js";
import type { ExecResult } from "../exec.js";
import { withDiskAtEnd } from "../how-it-ended.js";

export function describeExecFailure(what: string, r: ExecResult, timeoutMs: number): string {
  // Only a limit that stopped the run says so; one found at its end follows how it ended.
  if (r.limit && !r.limit.atEnd) return `${what} was stopped: ${r.limit.message} (server setting \`limits\`)`;
  if (r.timedOut) return withDiskAtEnd(r, `${what} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped`);
  if (r.signal) return withDiskAtEnd(r, `${what} was killed by ${r.signal}`);
  if (r.outputCut)
    return withDiskAtEnd(
      r,
      `${what} printed more than ${MAX_CAPTURE / 1024 ** 2}M characters, more than Sluice keeps of a run's output, so what it printed cannot be read whole (exit code ${r.exitCode})`,
    );
  return withDiskAtEnd(r, `${what} exited with code ${r.exitCode}`);
}
