import { MAX_CAPTURE } from "./capture-output.js";
import type { ExecResult } from "./exec.js";

/** What an output past MAX_CAPTURE costs the reader of this run, and what its author can do. */
export interface CutOutput {
  /** "its result cannot be read" */
  lost: string;
  /** Said after the exit code, when the tool's author can act on it. */
  advice?: string;
}

const CUT_DEFAULT: CutOutput = { lost: "what it printed cannot be read whole" };

/**
 * One line on why a run failed, `what` its subject ("terraform plan", "helm upgrade"): a sandbox
 * limit that stopped it, its timeout, a signal, output too large to read, or its exit code.
 */
export function howItEnded(what: string, r: ExecResult, timeoutMs: number, cut: CutOutput = CUT_DEFAULT): string {
  // Only a limit that stopped the run says so; one found at its end follows how it ended.
  if (r.limit && !r.limit.atEnd) return `${what} was stopped: ${r.limit.message} (server setting \`limits\`)`;
  if (r.timedOut) return withDiskAtEnd(r, `${what} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped`);
  if (r.signal) return withDiskAtEnd(r, `${what} was killed by ${r.signal}`);
  if (r.outputCut) {
    const line = `${what} printed more than ${MAX_CAPTURE / 1024 ** 2}M characters, more than Sluice keeps of a run's output, so ${cut.lost} (exit code ${r.exitCode})`;
    return withDiskAtEnd(r, cut.advice ? `${line}: ${cut.advice}` : line);
  }
  return withDiskAtEnd(r, `${what} exited with code ${r.exitCode}`);
}

/**
 * `line` (how a run ended: its exit code or signal), with the disk limit the measure at its end
 * found it over, when it did: nothing stopped that run, so its own ending is kept, not hidden.
 */
function withDiskAtEnd(r: Pick<ExecResult, "limit">, line: string): string {
  if (!r.limit?.atEnd) return line;
  return `${line}; its dirs were measured at its end: ${r.limit.message} (server setting \`limits\`)`;
}
