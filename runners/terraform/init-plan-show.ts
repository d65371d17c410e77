import { heldOutput } from "../held-output.js";
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import type { ExecOptions, ExecResult } from "../exec.js";
import { liveRedactor } from "../live-redactor.js";
import { copyPlan } from "./copy-plan.js";
import type { Exec } from "../runner.js";
import { initArgv, showJsonArgv } from "./terraform-argv.js";

/**
 * What `init`, `plan` and `show -json` in one tool run gave: the step that failed with its
 * result and output, or each step's output and the plan's JSON (which holds sensitive values in
 * clear: never streamed, never logged).
 */
export type InitPlanShow =
  | {
      ok: false;
      step: "init" | "plan" | "show";
      result: ExecResult;
      output: string;
      problem?: string;
      /**
       * Streams the output of a plan that failed (held back while it ran), for the caller to call
       * with the sensitive values of the plan file it left: terraform prints what it planned before
       * the error, some sensitive values unmarked among it. Absent when show failed (withheld).
       */
      streamPlan?(sensitiveValues: readonly string[]): void;
    }
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
  let copied: Promise<string | undefined> = Promise.resolve(undefined);
  const marks = watchMarks({ init: initMark, plan: planMark }, live, (code) => {
    copied = code === "0" ? copyPlan(planFile, shownPlan) : Promise.resolve(undefined);
    void copied.then((problem) => stdin.end(problem === undefined && code === "0" ? "go\n" : "stop\n"));
  });
  let r: ExecResult;
  try {
    r = await exec("/bin/sh", ["-c", script, "sh", bin, ...planArgs], {
      ...opts,
      pty: false,
      redact: identity,
      onOutput: marks.watch,
      stdin,
      sandboxReadOnly: [...(opts.sandboxReadOnly ?? []), shownDir],
    });
  } finally {
    stdin.end();
  }
  marks.end();
  live.flush();
  return initPlanShowOutcome(r, { init: initMark, plan: planMark }, opts, await copied, { planFile, shownDir, shownPlan });
}

/**
 * Follows the run's merged output as exec hands it over (whole lines: its own live redactor, here
 * without secrets, holds partial ones): streams init's output only (plan's waits for the plan's
 * sensitive values, streamPlan), drops the marks and the blank line each one's leading newline
 * made, and calls `atPlanMark` with plan's exit code when plan's mark passes.
 */
function watchMarks(marks: { init: string; plan: string }, live: { push(text: string): void }, atPlanMark: (code: string) => void) {
  let phase: "init" | "plan" | "show" = "init";
  const push = (text: string) => {
    if (phase === "init") live.push(text);
  };
  let pending = "";
  let blank = false;
  const markOf = (line: string) => /^(sluice-(?:init|plan)-[0-9a-f-]+) (\d+)\n$/.exec(line);
  const watch = (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf("\n"); nl >= 0 && phase !== "show"; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      const mark = markOf(line);
      if (mark && mark[1] === (phase === "init" ? marks.init : marks.plan)) {
        // The mark's own leading newline made the empty line before it.
        blank = false;
        if (phase === "plan") atPlanMark(mark[2] ?? "");
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
  // A blank line held back at the end was output, not a mark's.
  const end = () => {
    if (blank) push("\n");
  };
  return { watch, end };
}

/**
 * What the one run gave, read from its output cut at the marks: the step that failed (with the
 * exit code its mark reported), or the outputs and show's JSON, the copy show read moved to the
 * plan's place. The held plan output is the caller's to stream when the plan failed (with what the
 * plan file it left tells), and never streams when show did; the shown dir goes in every case.
 */
async function initPlanShowOutcome(
  r: ExecResult,
  marks: { init: string; plan: string },
  opts: ExecOptions,
  /** Why the plan file was not copied, when it was not. */
  problem: string | undefined,
  files: { planFile: string; shownDir: string; shownPlan: string },
): Promise<InitPlanShow> {
  const { planFile, shownDir, shownPlan } = files;
  const redact = opts.redact ?? identity;
  const parts = splitAtMarks(r.stdout, marks.init, marks.plan);
  const held = heldOutput(opts.onOutput, redact);
  held.hold(parts.plan?.output ?? "");
  const streamPlan = held.release;
  // A plan that failed has no JSON here: its caller learns the sensitive values from the plan
  // file it left (an errored plan), and streams the held output with them.
  const failed = (value: InitPlanShow & { ok: false }) => done({ ...value, streamPlan });
  const done = async <T>(value: T) => {
    // Empty once the copy moved to the plan's place; anything else goes whole.
    await rmdir(shownDir).catch(() => rm(shownDir, { recursive: true, force: true }));
    return value;
  };
  if (!parts.init) return done({ ok: false, step: "init", result: r, output: redact(r.stdout) });
  if (parts.init.code !== 0) {
    return done({
      ok: false,
      step: "init",
      result: { ...r, exitCode: parts.init.code, signal: undefined },
      output: redact(parts.init.output),
    });
  }
  if (!parts.plan) {
    // Cut before plan's mark (a timeout, a limit): what plan printed may be a whole plan, its
    // file written; streamed as any failed plan's is.
    const cut = heldOutput(opts.onOutput, redact);
    cut.hold(parts.rest);
    return done({ ok: false, step: "plan", result: r, output: redact(parts.rest), streamPlan: cut.release });
  }
  const planOutput = redact(parts.plan.output);
  if (parts.plan.code !== 0) {
    return failed({ ok: false, step: "plan", result: { ...r, exitCode: parts.plan.code, signal: undefined }, output: planOutput });
  }
  if (problem !== undefined) return failed({ ok: false, step: "plan", result: r, output: planOutput, problem });
  // A show that failed leaves the plan's sensitive values unknown: its text is never released
  // (the caller says why in its place, PLAN_TEXT_WITHHELD).
  if (r.exitCode !== 0 || r.timedOut || r.limit) return done({ ok: false, step: "show", result: r, output: redact(r.stderr) });
  // Show's JSON goes on past what was kept: the part kept is no plan to read.
  if (r.outputCut) return done({ ok: false, step: "show", result: r, output: "" });
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
