import { heldOutput } from "../held-output.js";
import { lstat, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRedactor } from "../../src/util/redact.js";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { runPolicyCheck } from "../conftest/run-policy-check.js";
import type { ExecOptions } from "../exec.js";
import type { ApplyOutcome, ApplyRequest, Exec, PlanOutcome, PlanRequest, Runner, StateOutcome, StateRequest } from "../runner.js";
import { detailsRedactor, resourceDetails } from "../terraform/resource-details.js";
import { describeStepFailure } from "../terraform/describe-step-failure.js";
import { parsePlanJson } from "../terraform/parse-plan-json.js";
import { readSavedPlan } from "../terraform/read-saved-plan.js";
import { summarizePlan } from "../terraform/summarize-plan.js";
import { checkVarFiles } from "../terraform/terraform-plan.js";
import { erroredBefore, erroredState, withErrored } from "../terraform/errored-state.js";
import { backendDigest } from "../terraform/backend-digest.js";
import { describeStatePlace, localStateWarning } from "../terraform/state-place.js";
import { checkReadBack, priorState, pullState } from "../terraform/state-read-back.js";
import {
  type TerragruntFlags,
  terragruntApplyArgv,
  terragruntEnv,
  terragruntPlanArgv,
  terragruntShowJsonArgv,
  terragruntStatePullArgv,
} from "./terragrunt-argv.js";
import { unitStatePlaces, unitStateRefusal, unitWorkDirs } from "./unit-state.js";
import { terragruntState } from "./terragrunt-state.js";

const identity = (s: string) => s;

export interface TerragruntRunnerOptions {
  /** Server setting `terragrunt_binary`; default `terragrunt` on PATH. */
  binary?: string;
  /** The Terraform binary terragrunt runs (server `terraform_binary`); a project's `terraform_binary` wins. */
  terraformBinary?: string;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Terragrunt units: `terragrunt plan -out`, `show -json` of that plan (summarized as Terraform's
 * are), `apply` of exactly that file; each a run of its own in the sandbox, like every tool run.
 * Terragrunt copies the unit's source into the project's private scratch dir (`--download-dir`),
 * never into the checkout. Custom workflows are Terraform's: a terragrunt project runs the default.
 */
export function createTerragruntRunner(opts: TerragruntRunnerOptions = {}): Runner {
  const bin = opts.binary ?? "terragrunt";
  const flagsFor = (dataDir: string, tfPath?: string): TerragruntFlags => ({
    tfPath: tfPath ?? opts.terraformBinary ?? "terraform",
    downloadDir: join(dataDir, "terragrunt-cache"),
  });

  return {
    kind: "terragrunt",
    // A held unit's way out: the push of the state Sluice kept (import and rm are not built for units).
    stateOperations: ["push"],
    state: (req: StateRequest, exec: Exec): Promise<StateOutcome> =>
      terragruntState(req, exec, bin, flagsFor(req.dataDir, req.binary), (step, r) => describeStepFailure(bin, step, r, req.timeoutMs)),
    async plan(req: PlanRequest, exec: Exec): Promise<PlanOutcome> {
      const started = performance.now();
      const fail = (failedStep: string, message: string, output = ""): PlanOutcome => ({
        ok: false,
        failedStep,
        message,
        output,
        durationMs: performance.now() - started,
      });
      const dir = await resolveInside(req.checkoutDir, req.project.dir);
      if (!dir.ok) return fail("checkout", dir.reason);
      if (!(await exists(join(dir.path, "terragrunt.hcl")))) return fail("checkout", `\`${req.project.dir}\` has no terragrunt.hcl`);
      // As for Terraform projects: a comment's -var-file (a link the PR commits) never leaves the checkout.
      const varFileProblem = await checkVarFiles(req.checkoutDir, req.project.dir, req.extraArgs);
      if (varFileProblem) return fail("arguments", varFileProblem);
      await mkdir(req.dataDir, { recursive: true });
      const planFile = join(req.dataDir, "plan.tfplan");
      await rm(planFile, { force: true });
      const flags = flagsFor(req.dataDir, req.binary);
      const base: ExecOptions = {
        cwd: dir.path,
        env: { ...req.env, ...terragruntEnv(flags) },
        timeoutMs: req.timeoutMs,
        redact: req.redact,
        onOutput: req.onOutput,
      };
      // Plan's output goes to the live log once the plan's sensitive values are known (terraform
      // prints some unmarked): held back while it runs, released by every return from here on.
      const plan = await exec(bin, terragruntPlanArgv(flags, planFile, [...req.extraArgs, ...(req.destroy ? ["-destroy"] : [])]), {
        ...base,
        pty: true,
        onOutput: undefined,
      });
      const held = heldOutput(req.onOutput);
      held.hold(plan.stdout);
      const releasePlan = held.release;
      const failPlan = (failedStep: string, message: string, output = ""): PlanOutcome => {
        releasePlan();
        return fail(failedStep, message, output);
      };
      if (plan.exitCode !== 0) return failPlan("plan", describeStepFailure(bin, "plan", plan, req.timeoutMs), plan.stdout);
      const file = await lstat(planFile).catch(() => undefined);
      if (!file?.isFile()) return failPlan("plan", `${bin} plan made no plan file`, plan.stdout);
      // The JSON holds sensitive values in clear: parsed here, never logged or posted; the plan
      // is read-only to the run that shows it.
      const show = await exec(bin, terragruntShowJsonArgv(flags, planFile), {
        ...base,
        redact: identity,
        onOutput: undefined,
        sandboxReadOnly: [planFile],
      });
      if (show.exitCode !== 0 || show.outputCut)
        return failPlan("show", describeStepFailure(bin, "show", show, req.timeoutMs), req.redact(show.stderr));
      const json = parsePlanJson(show.stdout);
      const summary = summarizePlan(json.ok ? json.plan : show.stdout);
      if (!summary.ok) return failPlan("show", summary.error);
      releasePlan(summary.summary.sensitiveValues);
      if (req.details && json.ok)
        summary.summary.details = resourceDetails(json.plan, detailsRedactor(req.redact, summary.summary.sensitiveValues));
      // Where the unit's state lives, as the backend its init resolved says: refused before any
      // apply when it would be lost (in the scratch copy, the checkout, the sandbox's /tmp).
      const work = await unitWorkDirs(dir.path, flags.downloadDir);
      if (!work.ok) return fail("state", work.reason, plan.stdout);
      const places = unitStatePlaces(work.dirs, {
        checkoutDir: req.checkoutDir,
        workspace: req.project.workspace,
        keptPaths: exec.isolated ? (req.keptPaths ?? []) : undefined,
      });
      const refusal = unitStateRefusal(places, flags.downloadDir, req.checkoutStateAllowed === true);
      if (refusal) return fail("state", refusal, plan.stdout);
      if (places[0]) summary.summary.stateAt = describeStatePlace(places[0]);
      const warning = places.map((p) => localStateWarning(p, true)).find(Boolean);
      if (warning) summary.summary.warnings = [...(summary.summary.warnings ?? []), warning];
      const done = { ok: true as const, summary: summary.summary, output: plan.stdout, planFile };
      if (!req.policyCheck) return { ...done, durationMs: performance.now() - started };
      // A unit's plan is Terraform's: the server's policies judge it as they judge a Terraform
      // project's (a PR adding a terragrunt.hcl to a checked project's dir must not step around
      // them). conftest reads the JSON from a file of the plan's own data dir, removed once checked.
      const showFile = `${planFile}.json`;
      await rm(showFile, { recursive: true, force: true });
      await writeFile(showFile, show.stdout, { mode: 0o600, flag: "wx" });
      const sensitive = createRedactor({ secrets: summary.summary.sensitiveValues });
      try {
        const policy = await runPolicyCheck(exec, req.policyCheck, {
          showFile,
          env: base.env as Record<string, string>,
          timeoutMs: req.timeoutMs,
          redact: (text) => sensitive(req.redact(text)),
        });
        return { ...done, policy, durationMs: performance.now() - started };
      } finally {
        await rm(showFile, { force: true });
      }
    },

    async apply(req: ApplyRequest, exec: Exec): Promise<ApplyOutcome> {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const dir = await resolveInside(req.checkoutDir, req.project.dir);
      if (!dir.ok) return { ok: false, message: dir.reason, output: "", durationMs: elapsed(), sensitiveValues: [] };
      const file = await lstat(req.planFile).catch(() => undefined);
      if (!file?.isFile())
        return { ok: false, message: "the saved plan is not a regular file", output: "", durationMs: elapsed(), sensitiveValues: [] };
      const flags = flagsFor(req.dataDir, req.binary);
      const env = { ...req.env, ...terragruntEnv(flags) };
      const frozen = [req.planFile];
      const saved = await readSavedPlan(exec, bin, terragruntShowJsonArgv(flags, req.planFile), req, { cwd: dir.path, env });
      const { sensitiveValues } = saved;
      const fail = (message: string, output = ""): ApplyOutcome => ({ ok: false, message, output, durationMs: elapsed(), sensitiveValues });
      if (!saved.ok) return fail(saved.message);
      const { redact } = saved;
      // Where terraform runs for the unit (the `show` above made the copy if this server had none).
      const work = await unitWorkDirs(dir.path, flags.downloadDir);
      if (!work.ok) return fail(work.reason);
      const workDirs = work.dirs;
      const refusal = unitStateRefusal(
        unitStatePlaces(workDirs, { checkoutDir: req.checkoutDir, workspace: req.project.workspace }),
        flags.downloadDir,
        req.checkoutStateAllowed === true,
      );
      if (refusal) return fail(refusal);
      // What the backend holds before (kept in the plan file), read back after: reported as
      // applied only once the state moved where the backend says.
      const readAt = { cwd: dir.path, env, timeoutMs: req.timeoutMs, redact };
      const pull = () => pullState(exec, bin, readAt, { argv: terragruntStatePullArgv(flags), shown: `${bin} run -- state pull` });
      const before = (await priorState(req.planFile)) ?? (await pull());
      if ("error" in before) return fail(`the state could not be read through the backend before the apply: ${before.error}`);
      // Terraform writes a state its backend refused beside the config it ran, in the unit's copy:
      // only one the apply wrote is kept (see erroredBefore), before the copy goes.
      const erroredAtStart = new Map<string, string | undefined>();
      for (const d of workDirs) erroredAtStart.set(d, await erroredBefore(d));
      const failAfterApply = async (message: string, output: string): Promise<ApplyOutcome> => {
        for (const d of workDirs) {
          const errored = await erroredState(d, erroredAtStart.get(d));
          if (errored.erroredState || errored.problem) {
            const failed = withErrored(fail(message, output) as Extract<ApplyOutcome, { ok: false }>, errored);
            // With the backend of the copy that refused it: the push goes into that one only.
            return failed.erroredState ? { ...failed, erroredBackend: backendDigest(join(d, ".terraform")) } : failed;
          }
        }
        return fail(message, output);
      };
      const r = await exec(bin, terragruntApplyArgv(flags, req.planFile), {
        cwd: dir.path,
        env,
        timeoutMs: req.timeoutMs,
        redact,
        onOutput: req.onOutput,
        pty: true,
        sandboxReadOnly: frozen,
        // A limit lets terraform save what it made before the run ends.
        stopGently: true,
      });
      if (r.exitCode !== 0) return failAfterApply(describeStepFailure(bin, "apply", r, req.timeoutMs), r.stdout);
      const after = await pull();
      if ("error" in after)
        return failAfterApply(`the apply ran, but its state could not be read back through the backend: ${after.error}`, r.stdout);
      const check = checkReadBack(saved.summary, before, after);
      if (!check.ok) return failAfterApply(check.message, r.stdout);
      const { serialBefore, serialAfter, checked } = check;
      return { ok: true, output: r.stdout, durationMs: elapsed(), sensitiveValues, readBack: { serialBefore, serialAfter, checked } };
    },
  };
}
