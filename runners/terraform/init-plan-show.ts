import { heldOutput } from "../held-output.js";
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ExecOptions, ExecResult } from "../exec.js";
import { liveRedactor } from "../live-redactor.js";
import { openRegularFile } from "../../src/util/open-regular-file.js";
import type { Exec } from "../runner.js";
import { initArgv, showJsonArgv } from "./terraform-argv.js";

/**
 * What `init`, `plan` and `show -json` in one tool run gave: the step that failed with its
 * result and output, or each step's output and the plan's JSON (which holds sensitive values in
 * clear: never streamed, never logged).
 */
export type InitPlanShow =
  | { ok: false; step: "init" | "plan" | "show"; result: ExecResult; output: string; problem?: string }
  | {
      ok: true;
      initOutput: string;
      planOutput: string;
      json: string;
      /**
       * Streams plan's output (held back while it ran) redacted with the values the plan marks
       * sensitive too: terraform prints some unmarked (terraform_data's `output` echoing a
       * sensitive `input` of the prior state), and they are known only from the JSON.
       */
      streamPlan(sensitiveValues: readonly string[]): void;
    };

const MAX_PENDING = 1024 * 1024;

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const command = (argv: readonly string[]) => argv.map(quote).join(" ");
const identity = (s: string) => s;

/**
 * Ends every other process of the run's PID namespace (all but its init, pid 1, and this shell)
 * and waits until /proc shows none: nothing a plan started (a data source's program, a provider
 * that forked) is left to write to the output or the plan once the plan is done. kill(-1) reaches a
 * process forked while it is sent. Only ever in a sandbox: on the host it would end Sluice.
 */
const END_THE_REST = [
  "kill -KILL -1 2>/dev/null",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS placeholder
  'while :; do o=; for p in /proc/[0-9]*; do n=${p#/proc/}; [ "$n" = 1 ] || [ "$n" = "$$" ] || o=1; done; [ -z "$o" ] && break; kill -KILL -1 2>/dev/null; done',
];

/**
 * Selects the workspace, creating it when the backend has none of that name: `workspace select
 * -or-create=true` (Terraform 1.4+, OpenTofu), else `select`, else `workspace new`; only the last
 * attempt's errors are shown. TF_WORKSPACE is unset for it (and for init): terraform refuses to
 * select a workspace that variable overrides, and init with it set fails on a backend that does not
 * have that workspace yet.
 */
export function selectWorkspaceScript(bin: string, workspace: string): string {
  const ws = (...args: string[]) => command([bin, "workspace", ...args]);
  return `(unset TF_WORKSPACE; ${ws("select", "-or-create=true", workspace)} 2>/dev/null || ${ws("select", workspace)} 2>/dev/null || ${ws("new", workspace)})`;
}

/**
 * `terraform init`, `plan` and `show -json` in ONE tool run: one sandbox start per project instead
 * of two or three (on small projects a sandbox's start-up is a tenth of the plan's own time).
 *
 * A shell inside the run does init and plan with their output merged, each followed by a line with
 * a random mark and its exit code; before the plan's mark it ends every other process in the
 * sandbox. At that mark Sluice copies the plan file (never through a symlink) into a directory the
 * run sees read-only, and only then tells the shell on stdin to show that copy. So nothing a plan
 * started writes into show's output, `show` reads a plan nothing in the run can change, and that
 * copy is what is hashed, stored and applied: what the comment shows is what is applied, as when
 * show ran in a sandbox of its own.
 * Plan runs the PR's code, which can read the marks: a mark printed early only makes this PR's
 * own plan fail or show the file as it was then, still the same bytes that are applied.
 */
export async function initPlanShow(
  exec: Exec,
  bin: string,
  planArgs: readonly string[],
  planFile: string,
  opts: ExecOptions,
  /** Not `default`: selected after init, and created when missing (selectWorkspaceScript). */
  workspace = "default",
): Promise<InitPlanShow> {
  const id = randomUUID();
  const initMark = `sluice-init-${id}`;
  const planMark = `sluice-plan-${id}`;
  const shownDir = join(dirname(planFile), "shown");
  const shownPlan = join(shownDir, basename(planFile));
  await mkdir(shownDir, { mode: 0o700 }).catch(async () => {
    // Left by an earlier run in this data dir.
    await rm(shownDir, { recursive: true, force: true });
    await mkdir(shownDir, { mode: 0o700 });
  });
  const report = (mark: string) => `printf '\\n%s %s\\n' ${quote(mark)} "$s"; [ "$s" -eq 0 ] || exit 0`;
  const script = [
    `{ (unset TF_WORKSPACE; ${command([bin, ...initArgv()])}); s=$?${workspace === "default" ? "" : `; [ "$s" -ne 0 ] || { ${selectWorkspaceScript(bin, workspace)}; s=$?; }`}; ${report(initMark)}; "$@"; s=$?`,
    ...(exec.isolated ? END_THE_REST : []),
    `${report(planMark)}; } 2>&1`,
    'read go && [ "$go" = go ] || exit 0',
    `exec ${command([bin, ...showJsonArgv(shownPlan)])}`,
  ].join("\n");

  const stdin = new PassThrough();
  const live = liveRedactor(opts.redact ?? identity, opts.onOutput ?? (() => undefined));
  let phase: "init" | "plan" | "show" = "init";
  // Only init's output streams: plan's waits for the plan's sensitive values (streamPlan).
  const push = (text: string) => {
    if (phase === "init") live.push(text);
  };
  let pending = "";
  let blank = false;
  let copied: Promise<string | undefined> = Promise.resolve(undefined);
  const markOf = (line: string) => /^(sluice-(?:init|plan)-[0-9a-f-]+) (\d+)\n$/.exec(line);
  // exec hands over whole lines (its own live redactor, here without secrets, holds partial ones).
  const watch = (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf("\n"); nl >= 0 && phase !== "show"; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      const mark = markOf(line);
      if (mark && mark[1] === (phase === "init" ? initMark : planMark)) {
        // The mark's own leading newline made the empty line before it.
        blank = false;
        if (phase === "plan") {
          copied = mark[2] === "0" ? copyPlan(planFile, shownPlan) : Promise.resolve(undefined);
          void copied.then((problem) => stdin.end(problem === undefined && mark[2] === "0" ? "go\n" : "stop\n"));
        }
        phase = phase === "init" ? "plan" : "show";
        continue;
      }
      if (blank) push("\n");
      blank = line === "\n";
      if (!blank) push(line);
    }
    if (phase === "show") pending = "";
    // A line that never ends cannot hold a mark (marks start after a newline): released as it is.
    if (pending.length > MAX_PENDING) {
      if (blank) push("\n");
      blank = false;
      push(pending);
      pending = "";
    }
  };
  let r: ExecResult;
  try {
    r = await exec("/bin/sh", ["-c", script, "sh", bin, ...planArgs], {
      ...opts,
      pty: false,
      redact: identity,
      onOutput: watch,
      stdin,
      sandboxReadOnly: [...(opts.sandboxReadOnly ?? []), shownDir],
    });
  } finally {
    stdin.end();
  }
  if (blank) push("\n");
  live.flush();
  const problem = await copied;
  const redact = opts.redact ?? identity;
  const parts = splitAtMarks(r.stdout, initMark, planMark);
  const held = heldOutput(opts.onOutput, redact);
  held.hold(parts.plan?.output ?? "");
  const streamPlan = held.release;
  // A plan that failed has no JSON: nothing more will be known of its sensitive values.
  const failed = (value: InitPlanShow & { ok: false }) => {
    if (value.step !== "init") streamPlan([]);
    return done(value);
  };
  const done = async <T>(value: T) => {
    // Empty once the copy moved to the plan's place; anything else goes whole.
    await rmdir(shownDir).catch(() => rm(shownDir, { recursive: true, force: true }));
    return value;
  };
  if (!parts.init) return done({ ok: false, step: "init", result: r, output: redact(r.stdout) });
  if (parts.init.code !== 0) {
    return failed({
      ok: false,
      step: "init",
      result: { ...r, exitCode: parts.init.code, signal: undefined },
      output: redact(parts.init.output),
    });
  }
  if (!parts.plan) {
    // Cut before plan's mark (a timeout, a limit): what plan printed goes out as it was printed.
    const cut = heldOutput(opts.onOutput, redact);
    cut.hold(parts.rest);
    cut.release();
    return done({ ok: false, step: "plan", result: r, output: redact(parts.rest) });
  }
  const planOutput = redact(parts.plan.output);
  if (parts.plan.code !== 0) {
    return failed({ ok: false, step: "plan", result: { ...r, exitCode: parts.plan.code, signal: undefined }, output: planOutput });
  }
  if (problem !== undefined) return failed({ ok: false, step: "plan", result: r, output: planOutput, problem });
  if (r.exitCode !== 0 || r.timedOut || r.limit) return failed({ ok: false, step: "show", result: r, output: redact(r.stderr) });
  // The copy show read is the plan from here on: hashed, stored and applied.
  // rename replaces a file or symlink the run left there; a dir it left goes first.
  await rename(shownPlan, planFile).catch(async () => {
    await rm(planFile, { recursive: true, force: true });
    await rename(shownPlan, planFile);
  });
  return done({ ok: true, initOutput: redact(parts.init.output), planOutput, json: parts.rest, streamPlan });
}

interface Step {
  output: string;
  code: number;
}

/** Init's and plan's output and exit codes, each cut at the first line with its mark; the rest is show's. */
function splitAtMarks(stdout: string, initMark: string, planMark: string): { init?: Step; plan?: Step; rest: string } {
  const find = (mark: string, from: number) => {
    const found = new RegExp(`\\n${mark} (\\d+)\\n`).exec(stdout.slice(from));
    return found && { at: from + found.index, end: from + found.index + found[0].length, code: Number(found[1]) };
  };
  const init = find(initMark, 0);
  if (!init) return { rest: stdout };
  const plan = find(planMark, init.end);
  const initStep = { output: stdout.slice(0, init.at), code: init.code };
  if (!plan) return { init: initStep, rest: stdout.slice(init.end) };
  return { init: initStep, plan: { output: stdout.slice(init.end, plan.at), code: plan.code }, rest: stdout.slice(plan.end) };
}

/** Plan files up to this size are copied through memory. */
const WHOLE_READ_BYTES = 16 * 1024 * 1024;

/** Past this size a plan file is not copied (a run that keeps writing one must not fill the disk). */
const MAX_PLAN_BYTES = 4 * 1024 ** 3;

/**
 * Copies the plan file the run left as the regular file it is at this moment (a symlink, FIFO or
 * device is refused: the copy is made on the host); returns why not, or undefined.
 */
async function copyPlan(from: string, to: string): Promise<string | undefined> {
  const notRegular = "the plan file the plan step left is not a regular file";
  let opened: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    opened = await openRegularFile(from);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "the plan step made no plan file";
    return `the plan file could not be read (${code ?? "error"})`;
  }
  if (!opened) return notRegular;
  const { handle, size } = opened;
  try {
    if (size > MAX_PLAN_BYTES) return `the plan file is larger than ${MAX_PLAN_BYTES / 1024 ** 3} GiB`;
    if (size === 0) return "the plan file the plan step left is empty";
    if (size <= WHOLE_READ_BYTES) {
      // The run waits for this copy: one read and one write instead of a stream's round trips.
      const bytes = Buffer.allocUnsafe(size);
      let got = 0;
      for (let n = -1; got < size && n !== 0; got += n) n = (await handle.read(bytes, got, size - got, got)).bytesRead;
      await writeFile(to, bytes.subarray(0, got), { flag: "wx", mode: 0o600 });
      return undefined;
    }
    await pipeline(
      handle.createReadStream({ start: 0, end: size - 1, autoClose: false }),
      createWriteStream(to, { flags: "wx", mode: 0o600 }),
    );
    return undefined;
  } catch (e) {
    return `the plan file could not be copied (${(e as NodeJS.ErrnoException).code ?? "error"})`;
  } finally {
    await handle.close();
  }
}
