import type { ExecOptions } from "./exec.js";

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
export function changeRunOptions(req: ChangeRunRequest, at: Pick<ExecOptions, "cwd" | "env" | "redact" | "sandboxReadOnly">): ExecOptions {
  return { ...at, timeoutMs: req.timeoutMs, onOutput: req.onOutput, pty: true, stopGently: true };
}
