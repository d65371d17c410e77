import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import * as pty from "node-pty";
import { captureOutput } from "./capture-output.js";
import type { ExecResult } from "./exec.js";
import { type ExecRun, outputFilter, type RunEnded } from "./exec-run.js";
import { liveRedactor } from "./live-redactor.js";
import { endMark } from "./pty-end-mark.js";
import { SpawnError, spawnError } from "./spawn-error.js";
import { superviseRun } from "./supervise-run.js";

function signalName(n: number): string {
  const found = Object.entries(constants.signals).find(([, v]) => v === n);
  return found ? found[0] : String(n);
}

/**
 * The wrapper every pty run starts in. It holds the terminal open while the command runs, so a
 * command that closes its own end before it has exited (coreutils close stdout in an atexit
 * handler) no longer closes the terminal under itself (the kernel's SIGHUP then reported it
 * killed although it finished its work). SIGHUP keeps its default: the app's end closes the
 * terminal, and the hangup ends the wrapper and the command with it (a sandbox's bwrap too, whose
 * parent the wrapper is: an apply must not outlive the app and hold its state lock). SIGTERM and
 * SIGINT only caught, so that the command (which gets them as they were) is asked to stop while
 * the wrapper stays to print the end mark (EndMark) and wait for Sluice's answer before it exits;
 * a command a signal ended is ended again by the wrapper with the same signal, so that the run is
 * reported killed by it (a command that itself exits with 128 + N reads as killed by signal N).
 * Only signals whose default ends a process are raised again: an `exit 147` re-raised as SIGSTOP
 * stopped the wrapper, and the run (an apply holding its lock) waited for its timeout.
 * The terminal's settings are put back as they were before the command (its `stty -icrnl inlcr`
 * left no line end for Sluice's answer, and a run that succeeded waited for its timeout), and its
 * output is resumed (`tcflow` TCOOFF, which stty cannot undo, held the mark, and the run, until its
 * timeout): by the system's python3, the one the spawner needs, a no-op when output runs.
 * The mark comes in a file the wrapper reads and removes before the command starts, never in its
 * argv: with the sandbox off the command could read its wrapper's arguments in /proc, print the
 * mark early and hide what it printed after.
 * The script is fixed and the command stays an argv array (`"$@"`): nothing in it is interpreted
 * by the shell. A timeout still ends the group with SIGTERM and SIGKILL.
 */
const WRAPPER = [
  "-c",
  'trap : TERM INT; IFS= read -r m < "$1"; command -p rm -f -- "$1"; shift; [ -n "$m" ] || exit 125; exec 3>&2 2>/dev/null; t=$(command -p stty -g); (exec "$@" 2>&3 3>&-); s=$?; trap "" TTIN TTOU; command -p stty "$t"; command -p python3 -I -S -c "import termios; termios.tcflow(0, termios.TCOON)"; printf %s "$m"; read -r _; case $((s - 128)) in 1|2|3|4|5|6|7|8|9|1[0-6]|2[4-7]|29|3[01]|3[4-9]|[45][0-9]|6[0-4]) trap - TERM INT; ulimit -c 0; kill -$((s - 128)) $$;; esac; exit "$s"',
  "sluice-exec",
];

export async function execPty(run: ExecRun): Promise<ExecResult> {
  // Unguessable, and gone from the disk before the command starts (WRAPPER).
  const mark = `SLUICE-END-${randomBytes(16).toString("hex").toUpperCase()}`;
  const markFile = join(tmpdir(), `sluice-mark-${randomBytes(12).toString("hex")}`);
  try {
    await writeFile(markFile, mark, { flag: "wx", mode: 0o600 }).catch((e: NodeJS.ErrnoException) => {
      throw new SpawnError(run.label, `its terminal's end mark could not be written in ${tmpdir()} (${e.code ?? "error"})`, e.code);
    });
    return await runWrapped(run, mark, markFile);
  } finally {
    // The wrapper removed it, unless it never started. Never fails the run: its path is in the
    // wrapper's argv, and a command outside the sandbox could leave a directory there.
    await rm(markFile, { force: true }).catch(() => undefined);
  }
}

async function runWrapped(run: ExecRun, mark: string, markFile: string): Promise<ExecResult> {
  const started = performance.now();
  let child: pty.IPty;
  try {
    child = pty.spawn("/bin/sh", [...WRAPPER, markFile, run.file, ...run.args], {
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
  const end = endMark(mark);
  child.onData((c) => {
    const got = end.push(c);
    take(filter.push(got.text));
    // All the command printed was read: the wrapper may exit. A line's end as the terminal reads
    // it whether it maps CR to NL or not (the command may have left its settings changed).
    if (got.ended) child.write("\r\n");
  });
  const ended = new Promise<RunEnded>((resolve) =>
    child.onExit(({ exitCode, signal }) =>
      resolve({ exitCode: signal ? null : exitCode, signal: signal ? signalName(signal) : undefined }),
    ),
  );
  // A pty child leads its own session, so its pid is also its process group id.
  const result = await superviseRun(run, child.pid, ended);
  take(filter.push(end.flush()));
  take(filter.end());
  live.flush();
  return {
    ...result,
    stdout: out.text(run.redact),
    stderr: "",
    ...(out.dropped() ? { outputCut: true } : {}),
    durationMs: performance.now() - started,
  };
}
