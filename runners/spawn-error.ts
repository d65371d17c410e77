import { existsSync } from "node:fs";
import { errorMessage } from "../src/util/errors.js";

/**
 * A tool that could not be started at all, as opposed to one that ran and failed (that is an
 * ExecResult with its exit code). The message is what users read: "could not start X: why".
 */
export class SpawnError extends Error {
  constructor(
    /** The command as the caller named it (a name on PATH or a path). */
    readonly binary: string,
    reason: string,
    /** The system's error code (ENOENT, EACCES, …) when there is one. */
    readonly code?: string,
  ) {
    super(`could not start ${binary}: ${reason}`);
    this.name = "SpawnError";
  }
}

/** The binary itself is not there: the server lacks the tool, which its admin fixes by installing it. */
export class ToolMissingError extends SpawnError {
  constructor(binary: string, reason: string) {
    super(binary, reason, "ENOENT");
    this.name = "ToolMissingError";
  }
}

/**
 * The error for a spawn that failed with `cause`. ENOENT names the binary only when the working
 * directory is there: a spawn in a missing directory fails with ENOENT too, and that is no missing tool.
 */
export function spawnError(binary: string, cwd: string, cause: unknown, redact: (s: string) => string): SpawnError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const reason = redact(errorMessage(cause));
  if (code === "ENOENT" && existsSync(cwd)) return new ToolMissingError(binary, reason);
  if (code === "ENOENT") return new SpawnError(binary, `its working directory ${cwd} does not exist`, code);
  return new SpawnError(binary, reason, code);
}
