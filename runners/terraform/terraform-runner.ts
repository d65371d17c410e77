import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { resolveInside } from "../../src/workspace/resolve-inside.js";
import type { ExecResult } from "../exec.js";
import type { ApplyOutcome, ApplyRequest, Exec, PlanOutcome, PlanRequest, Runner } from "../runner.js";
import { summarizePlan } from "./summarize-plan.js";
import { applyArgv, initArgv, planArgv, showJsonArgv, terraformBinary, terraformEnv } from "./terraform-argv.js";

const identity = (s: string) => s;

function describeFailure(bin: string, step: string, r: ExecResult, timeoutMs: number): string {
  if (r.timedOut) return `${bin} ${step} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped`;
  if (r.signal) return `${bin} ${step} was killed by ${r.signal}`;
  return `${bin} ${step} exited with code ${r.exitCode}`;
}

/** `-var-file` paths come from a PR comment: they must resolve inside the checkout. */
async function checkVarFiles(checkoutDir: string, projectDir: string, args: readonly string[]) {
  for (const arg of args) {
    const m = /^-var-file=(.*)$/.exec(arg);
    if (!m?.[1]) continue;
    const inside = await resolveInside(checkoutDir, join(projectDir, m[1]));
    if (!inside.ok) return inside.reason;
  }
  return undefined;
}

export function createTerraformRunner(kind: "terraform" | "opentofu", binary?: string): Runner {
  const bin = terraformBinary(kind, binary);
  return {
    kind,
    async plan(req: PlanRequest, exec: Exec): Promise<PlanOutcome> {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const dir = await resolveInside(req.checkoutDir, req.project.dir);
      if (!dir.ok) return { ok: false, failedStep: "checkout", message: dir.reason, output: "", durationMs: elapsed() };
      const varFileProblem = await checkVarFiles(req.checkoutDir, req.project.dir, req.extraArgs);
      if (varFileProblem) {
        return { ok: false, failedStep: "arguments", message: varFileProblem, output: "", durationMs: elapsed() };
      }
      await mkdir(req.dataDir, { recursive: true });
      const planFile = join(req.dataDir, "plan.tfplan");
      await rm(planFile, { force: true });
      const env = { ...req.env, ...terraformEnv(req.dataDir, req.project.workspace) };
      const base = { cwd: dir.path, env, timeoutMs: req.timeoutMs, redact: req.redact, onOutput: req.onOutput };

      const init = await exec(bin, initArgv(), base);
      if (init.exitCode !== 0) {
        return {
          ok: false,
          failedStep: "init",
          message: describeFailure(bin, "init", init, req.timeoutMs),
          output: init.stdout + init.stderr,
          durationMs: elapsed(),
        };
      }
      const plan = await exec(bin, planArgv(planFile, req.extraArgs), { ...base, pty: true });
      if (plan.exitCode !== 0) {
        return {
          ok: false,
          failedStep: "plan",
          message: describeFailure(bin, "plan", plan, req.timeoutMs),
          output: plan.stdout,
          durationMs: elapsed(),
        };
      }
      // The JSON holds sensitive values in clear: parsed here, never logged or posted.
      const show = await exec(bin, showJsonArgv(planFile), { ...base, redact: identity, onOutput: undefined });
      if (show.exitCode !== 0) {
        return {
          ok: false,
          failedStep: "show",
          message: describeFailure(bin, "show", show, req.timeoutMs),
          output: req.redact(show.stderr),
          durationMs: elapsed(),
        };
      }
      const summary = summarizePlan(show.stdout);
      if (!summary.ok) {
        return { ok: false, failedStep: "show", message: summary.error, output: "", durationMs: elapsed() };
      }
      return { ok: true, summary: summary.summary, output: plan.stdout, planFile, durationMs: elapsed() };
    },
    async apply(req: ApplyRequest, exec: Exec): Promise<ApplyOutcome> {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const dir = await resolveInside(req.checkoutDir, req.project.dir);
      if (!dir.ok) return { ok: false, message: dir.reason, output: "", durationMs: elapsed(), sensitiveValues: [] };
      const env = { ...req.env, ...terraformEnv(req.dataDir, req.project.workspace) };
      // The saved plan says which values are sensitive: learn them before anything is printed.
      const show = await exec(bin, showJsonArgv(req.planFile), { cwd: dir.path, env, timeoutMs: req.timeoutMs, redact: identity });
      const summary = show.exitCode === 0 ? summarizePlan(show.stdout) : undefined;
      const sensitiveValues = summary?.ok ? summary.summary.sensitiveValues : [];
      const redact = req.redactWith(sensitiveValues);
      if (!summary?.ok) {
        const why = summary ? summary.error : redact(show.stderr).trim();
        return { ok: false, message: `the saved plan could not be read: ${why}`, output: "", durationMs: elapsed(), sensitiveValues };
      }
      const r = await exec(bin, applyArgv(req.planFile), {
        cwd: dir.path,
        env,
        timeoutMs: req.timeoutMs,
        redact,
        onOutput: req.onOutput,
        pty: true,
      });
      if (r.exitCode === 0) return { ok: true, output: r.stdout, durationMs: elapsed(), sensitiveValues };
      return {
        ok: false,
        message: describeFailure(bin, "apply", r, req.timeoutMs),
        output: r.stdout,
        durationMs: elapsed(),
        sensitiveValues,
      };
    },
  };
}
