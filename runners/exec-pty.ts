import { constants } from "node:os";
import * as pty from "node-pty";
import { captureOutput } from "./capture-output.js";
import type { ExecResult } from "./exec.js";
import { type ExecRun, outputFilter, type RunEnded } from "./exec-run.js";
import { liveRedactor } from "./live-redactor.js";
import { spawnError } from "./spawn-error.js";
import { superviseRun } from "./supervise-run.js";

function signalName(n: number): string {
  const found = Object.entries(constants.signals).find(([, v]) => v === n);
  return found ? found[0] : String(n);
}

/**
 * A process that closes its terminal before it has exited (coreutils close stdout in an atexit
 * handler) makes node-pty close the master, and the kernel then sends the still-exiting process
 * SIGHUP: it is reported killed although it finished its work. So pty children start with SIGHUP
 * ignored. The script is fixed and the command stays an argv array (`"$@"`): nothing in it is
 * interpreted by the shell. A timeout still ends the group with SIGTERM and SIGKILL.
 */
const HUP_IGNORED = ["-c", 'trap "" HUP; exec "$@"', "sluice-exec"];

export async function execPty(run: ExecRun): Promise<ExecResult> {
  const started = performance.now();
  let child: pty.IPty;
  try {
    child = pty.spawn("/bin/sh", [...HUP_IGNORED, run.file, ...run.args], {
      cwd: run.cwd,
      env: run.env,
      cols: 160,
      rows: 40,
      name: "dumb",
    });
  } catch (e) {
    throw spawnError(run.label, run.cwd, e, run.redact);
  }
  const out = captureOutput();
  const live = liveRedactor(run.redact, run.onOutput ?? (() => undefined));
  const filter = outputFilter(run);
  const take = (text: string) => {
    if (!text) return;
    out.push(text);
    if (run.onOutput) live.push(text);
  };
  child.onData((c) => take(filter.push(c)));
  const ended = new Promise<RunEnded>((resolve) =>
    child.onExit(({ exitCode, signal }) =>
      resolve({ exitCode: signal ? null : exitCode, signal: signal ? signalName(signal) : undefined }),
    ),
  );
  // A pty child leads its own session, so its pid is also its process group id.
  const end = await superviseRun(run, child.pid, ended);
  take(filter.end());
  live.flush();
  return {
    ...end,
    stdout: out.text(run.redact),
    stderr: "",
    ...(out.dropped() ? { outputCut: true } : {}),
    durationMs: performance.now() - started,
  };
}
