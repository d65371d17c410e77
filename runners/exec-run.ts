import type { Readable } from "node:stream";
import type { SandboxRun } from "./sandbox/sandbox-command.js";
import { type PrintedState, withholdPrintedStates } from "./withheld-state.js";

/** One spawn, as both the pipe and the pty path take it (exec.ts builds it from ExecOptions). */
export interface ExecRun {
  /** The command as the caller named it, for messages (`file` may be bwrap). */
  label: string;
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  grace: number;
  /** A sandbox limit stops it as a timeout does (SIGTERM, SIGKILL after `grace`): see ExecOptions. */
  stopGently?: boolean;
  redact: (s: string) => string;
  onOutput?: (chunk: string) => void;
  withholdStates?: (state: PrintedState) => void;
  onStdout?: (chunk: string) => void;
  stdoutFile?: string;
  sandbox?: SandboxRun;
  /** What the run holds on disk now (its dirs and its sandbox's /tmp), for the disk limit. */
  measureDisk: (pid: number | undefined) => Promise<number>;
  input?: string;
  stdin?: Readable;
}

/** How a run ended, before the supervisor adds what it saw (timeout, limit). */
export interface RunEnded {
  exitCode: number | null;
  signal?: string;
}

/**
 * What a run's output goes through before it is kept or shown: the states it prints taken out
 * when the run asks for that (ExecOptions.withholdStates), else nothing. One per output stream.
 */
export function outputFilter(run: Pick<ExecRun, "withholdStates">): { push(chunk: string): string; end(): string } {
  return run.withholdStates ? withholdPrintedStates(run.withholdStates) : { push: (c) => c, end: () => "" };
}
