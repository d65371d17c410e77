import { lstat, mkdir, rm, stat } from "node:fs/promises";
import { planFailure } from "../plan-failure.js";
import { join } from "node:path";
import { createRedactor } from "../../src/util/redact.js";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { type ExecOptions, type ExecResult, ranWell } from "../exec.js";
import { heldOutput, withheldFailure } from "../held-output.js";
import type { Exec, PlanOutcome, PlanRequest } from "../runner.js";
import { describeStepFailure } from "../terraform/describe-step-failure.js";
import { parsePlanJson } from "../terraform/parse-plan-json.js";
import { shownPlanDisagrees } from "../terraform/plan-file-mismatch.js";
import { readPlanFileContents } from "../terraform/plan-file-contents.js";
import { detailsRedactor, resourceDetails } from "../terraform/resource-details.js";
import { describeStatePlace, localStateWarning } from "../terraform/state-place.js";
import { summarizePlan } from "../terraform/summarize-plan.js";
import { withTeardown } from "../terraform/teardown.js";
import { checkPlanPolicies, checkVarFiles } from "../terraform/terraform-plan.js";
import { type TerragruntFlags, terragruntEnv, terragruntPlanArgv, terragruntShowJsonArgv } from "./terragrunt-argv.js";
import { unitStateGoesElsewhere, unitStatePlaces, unitStateRefusal, unitWorkDirs } from "./unit-state.js";

const identity = (s: string) => s;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * A unit's plan: `terragrunt plan -out`, `show -json` of that plan summarized as Terraform's are,
 * where its state lives checked before any apply, and the server's policies over it.
 */
export async function terragruntPlan(req: PlanRequest, exec: Exec, bin: string, flags: TerragruntFlags): Promise<PlanOutcome> {
  const started = performance.now();
  const fail = planFailure(started);
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return fail("checkout", dir.reason);
  if (!(await exists(join(dir.path, "terragrunt.hcl")))) return fail("checkout", `\`${req.project.dir}\` has no terragrunt.hcl`);
  // As for Terraform projects: a comment's -var-file (a link the PR commits) never leaves the checkout.
  const varFileProblem = await checkVarFiles(req.checkoutDir, req.project.dir, req.extraArgs);
  if (varFileProblem) return fail("arguments", varFileProblem);
  await mkdir(req.dataDir, { recursive: true });
  const planFile = join(req.dataDir, "plan.tfplan");
  await rm(planFile, { force: true });
  const env: Record<string, string> = { ...req.env, ...terragruntEnv(flags) };
  const base: ExecOptions = {
    cwd: dir.path,
    env,
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
  // A plan whose sensitive values cannot be known (no JSON to tell them): its text never leaves.
  const withholdPlan = (failedStep: string, message: string, output = ""): PlanOutcome => {
    held.withhold();
    return fail(failedStep, withheldFailure(message), output);
  };
  // The JSON holds sensitive values in clear: parsed here, never logged or posted; the plan
  // is read-only to the run that shows it.
  const showPlan = () =>
    exec(bin, terragruntShowJsonArgv(flags, planFile), { ...base, redact: identity, onOutput: undefined, sandboxReadOnly: [planFile] });
  const isPlanFile = async () => (await lstat(planFile).catch(() => undefined))?.isFile() === true;
  if (!ranWell(plan)) {
    const failed = describeStepFailure(bin, "plan", plan, req.timeoutMs);
    // Terraform prints what it planned before the error (some sensitive values unmarked among it)
    // and leaves an errored plan file, whose JSON tells them; one show cannot read tells nothing.
    const sensitive = (await isPlanFile()) ? sensitiveValuesOf(await showPlan()) : [];
    if (sensitive === undefined) return withholdPlan("plan", failed);
    releasePlan(sensitive);
    return fail("plan", failed, createRedactor({ secrets: [...sensitive], builtIn: false })(plan.stdout));
  }
  // No plan file where Sluice reads it (a unit's `extra_arguments` wrote it elsewhere): what plan
  // printed, a whole plan, has sensitive values nothing tells.
  if (!(await isPlanFile())) return withholdPlan("plan", `${bin} plan made no plan file`);
  const show = await showPlan();
  if (show.exitCode !== 0 || show.outputCut)
    return withholdPlan("show", describeStepFailure(bin, "show", show, req.timeoutMs), req.redact(show.stderr));
  const json = parsePlanJson(show.stdout);
  // A hook on `show` prints into its output too: the JSON must say what the file applies.
  const file = await readPlanFileContents(planFile);
  if (file?.ok === false) return withholdPlan("show", `the plan file could not be read: ${file.reason}`);
  const disagrees = json.ok ? shownPlanDisagrees(file, json.plan) : undefined;
  if (disagrees) return withholdPlan("show", disagrees);
  const summary = summarizePlan(json.ok ? json.plan : show.stdout);
  if (!summary.ok) return withholdPlan("show", summary.error);
  releasePlan(summary.summary.sensitiveValues);
  summary.summary = await withTeardown(summary.summary, planFile, json.ok ? json.plan : undefined);
  // A refusal from here on posts the plan's text, and the plan's sensitive values join the job's
  // secrets only for a plan that succeeds: terraform printed some of them unmarked.
  const refusedOutput = createRedactor({ secrets: summary.summary.sensitiveValues, builtIn: false })(plan.stdout);
  if (req.details && json.ok)
    summary.summary.details = resourceDetails(json.plan, detailsRedactor(req.redact, summary.summary.sensitiveValues));
  // Where the unit's state lives, as the backend its init resolved says: refused before any
  // apply when it would be lost (in the scratch copy, the checkout, the sandbox's /tmp).
  const work = await unitWorkDirs(dir.path, flags.downloadDir, req.checkoutDir);
  if (!work.ok) return fail("state", work.reason, refusedOutput);
  // Refused before an apply whose state would not be read back where it went.
  const moved = unitStateGoesElsewhere(work.dirs, file, { workspace: req.project.workspace, tfWorkspace: env.TF_WORKSPACE });
  if (moved) return fail("state", moved, refusedOutput);
  const places = unitStatePlaces(work.dirs, {
    checkoutDir: req.checkoutDir,
    workspace: req.project.workspace,
    keptPaths: exec.isolated ? (req.keptPaths ?? []) : undefined,
    sluiceDirs: req.sluiceDirs,
  });
  const refusal = unitStateRefusal(places, flags.downloadDir, req.checkoutStateAllowed === true);
  if (refusal) return fail("state", refusal, refusedOutput);
  if (places[0]) summary.summary.stateAt = describeStatePlace(places[0]);
  const warning = places.map((p) => localStateWarning(p, true)).find(Boolean);
  if (warning) summary.summary.warnings = [...(summary.summary.warnings ?? []), warning];
  const done = { ok: true as const, summary: summary.summary, output: plan.stdout, planFile };
  if (!req.policyCheck) return { ...done, durationMs: performance.now() - started };
  // A unit's plan is Terraform's: the server's policies judge it as they judge a Terraform
  // project's (a PR adding a terragrunt.hcl to a checked project's dir must not step around
  // them), over the same file of the plan's own data dir (checkPlanPolicies).
  const policy = await checkPlanPolicies(exec, req, req.policyCheck, {
    planFile,
    showJson: show.stdout,
    sensitiveValues: summary.summary.sensitiveValues,
    env,
  });
  return { ...done, policy, durationMs: performance.now() - started };
}

/** The sensitive values of a shown plan; undefined when show failed or its JSON cannot be read. */
function sensitiveValuesOf(show: ExecResult): readonly string[] | undefined {
  if (show.exitCode !== 0 || show.outputCut) return undefined;
  const json = parsePlanJson(show.stdout);
  const summary = summarizePlan(json.ok ? json.plan : show.stdout);
  return summary.ok ? summary.summary.sensitiveValues : undefined;
}
