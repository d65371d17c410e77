import type { ExecOptions } from "./exec.js";
import type { PrintedState } from "./withheld-state.js";

/** What every request that changes infrastructure carries for its runs. */
interface ChangeRunRequest {
  timeoutMs?: number;
  onOutput?: (chunk: string) => void;
}

/**
 * The options of a run that changes infrastructure (an apply, a state push, an uninstall), built in
 * one place so that no tool's run drifts from the others: its output streamed live under a pty as a
 * user would see it, and a sandbox limit stops it as a timeout does, so that terraform saves what it
 * already made and helm marks the release it was upgrading failed (see ExecOptions.stopGently).
 */
export function changeRunOptions(
  req: ChangeRunRequest,
  { printed, ...at }: Pick<ExecOptions, "cwd" | "env" | "redact" | "sandboxReadOnly"> & { printed?: PrintedState[] },
): ExecOptions {
  // A state the run prints (terraform's last resort when it can save it nowhere) holds every value
  // in clear, those first known now included: never shown, handed to `printed` to keep. Only the
  // last is what a failure keeps (printedUnsaved), and each may be 64 MiB: a run printing states
  // over and over must not hold them all.
  const withholdStates = (state: PrintedState) => printed?.splice(0, printed.length, state);
  return { ...at, timeoutMs: req.timeoutMs, onOutput: req.onOutput, pty: true, stopGently: true, withholdStates };
}
