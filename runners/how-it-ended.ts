import type { ExecResult } from "./exec.js";

/**
 * `line` (how a run ended: its exit code or signal), with the disk limit the measure at its end
 * found it over, when it did: nothing stopped that run, so its own ending is kept, not hidden.
 */
export function withDiskAtEnd(r: Pick<ExecResult, "limit">, line: string): string {
  if (!r.limit?.atEnd) return line;
  return `${line}; its dirs were measured at its end: ${r.limit.message} (server setting \`limits\`)`;
}
