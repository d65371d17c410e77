import { MAX_CAPTURE } from "../capture-output.js";
import type { ExecResult } from "../exec.js";
import { withDiskAtEnd } from "../how-it-ended.js";

/** One line on why a step of a run failed: a sandbox limit, the timeout, a signal, or its exit code. */
export function describeStepFailure(bin: string, step: string, r: ExecResult, timeoutMs: number): string {
  // Only a limit that stopped the run says so; one found at its end follows how it ended.
  if (r.limit && !r.limit.atEnd) return `${bin} ${step} was stopped: ${r.limit.message} (server setting \`limits\`)`;
  if (r.timedOut) return withDiskAtEnd(r, `${bin} ${step} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped`);
  if (r.signal) return withDiskAtEnd(r, `${bin} ${step} was killed by ${r.signal}`);
  if (r.outputCut)
    return withDiskAtEnd(
      r,
      `${bin} ${step} printed more than ${MAX_CAPTURE / 1024 ** 2}M characters, more than Sluice keeps of a run's output, so its result cannot be read (exit code ${r.exitCode}): make what it prints smaller (a large value in an output or an attribute)`,
    );
  return withDiskAtEnd(r, `${bin} ${step} exited with code ${r.exitCode}`);
}
