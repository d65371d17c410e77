import type { ExecResult } from "./exec.js";
import { type ExecRun, outputFilter } from "./exec-run.js";
import { captureOutput } from "./capture-output.js";
import { liveRedactor } from "./live-redactor.js";
import { spawnError } from "./spawn-error.js";
import { createSpawner, type SpawnedTool } from "./spawner/spawner.js";
import type { DiskWalk } from "./spawner/spawner-messages.js";
import { superviseRun } from "./supervise-run.js";

/** One spawner per thread that starts tools (the job thread's, mostly); started on first use. */
const spawner = createSpawner();

/**
 * Ends this thread's spawner now if it runs nothing: the HTTP thread runs tools only to check
 * them at start, and the job thread's spawner is the one that should stay (11 MB each).
 */
export const releaseSpawner = (): void => spawner.release();

/** What `dirs` hold on disk, walked by this thread's spawner (no process started for it). */
export const walkDisk = (dirs: readonly string[]): Promise<DiskWalk> => spawner.measure(dirs);

export async function execPipe(run: ExecRun): Promise<ExecResult> {
  const started = performance.now();
  let child: SpawnedTool;
  try {
    child = await spawner.spawn({
      file: run.file,
      args: run.args,
      cwd: run.cwd,
      env: run.env,
      stdin: run.stdin !== undefined || run.input !== undefined,
      ...(run.stdoutFile === undefined ? {} : { stdoutFile: run.stdoutFile }),
    });
  } catch (e) {
    throw spawnError(run.file, run.cwd, e, run.redact);
  }
  if (child.stdin) {
    // The child may end without reading what is still to come.
    child.stdin.on("error", () => undefined);
    if (run.stdin) run.stdin.pipe(child.stdin);
    else child.stdin.end(run.input);
  }
  const out = captureOutput();
  const err = captureOutput();
  const emit = run.onOutput ?? (() => undefined);
  const liveOut = liveRedactor(run.redact, emit);
  const liveErr = liveRedactor(run.redact, emit);
  const [filterOut, filterErr] = [outputFilter(run), outputFilter(run)];
  const takeOut = (text: string) => {
    out.push(text);
    if (run.onOutput && text) liveOut.push(text);
  };
  const takeErr = (text: string) => {
    err.push(text);
    if (run.onOutput && text) liveErr.push(text);
  };
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  const onStdout = run.onStdout;
  child.stdout.on("data", onStdout ? (c: string) => onStdout(c) : (c: string) => takeOut(filterOut.push(c)));
  child.stderr.on("data", (c: string) => takeErr(filterErr.push(c)));
  const ended = child.exited.then(({ exitCode, signal }) => ({ exitCode, signal: signal ?? undefined }));
  const end = await superviseRun(run, child.pid, ended);
  takeOut(filterOut.end());
  takeErr(filterErr.end());
  liveOut.flush();
  liveErr.flush();
  return {
    ...end,
    stdout: out.text(run.redact),
    stderr: err.text(run.redact),
    ...(out.dropped() || err.dropped() ? { outputCut: true } : {}),
    durationMs: performance.now() - started,
  };
}
