import { DIAGNOSTICS_WITHHELD, heldOutput, PLAN_TEXT_WITHHELD, withheldFailure } from "../held-output.js";
import { planFailure } from "../plan-failure.js";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRedactor } from "../../src/util/redact.js";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { runPolicyCheck } from "../conftest/run-policy-check.js";
import type { ExecOptions } from "../exec.js";
import type { Exec, PlanOutcome, PlanRequest } from "../runner.js";
import { leftPlanSensitiveValues } from "./left-plan-secrets.js";
import { loadedModuleDirs } from "./loaded-module-dirs.js";
import { remoteBackendDigest } from "./backend-digest.js";
import { backendFileOfPlan, describeStatePlace, localStateWarning, type StatePlace, statePlace, stateRefusal } from "./state-place.js";
import { type PlanFileRead, readPlanFileContents } from "./plan-file-contents.js";
import { parsePlanJson } from "./parse-plan-json.js";
import { shownPlanDisagrees } from "./plan-file-mismatch.js";
import { detailsRedactor, resourceDetails } from "./resource-details.js";
import { summarizePlan } from "./summarize-plan.js";
import { withTeardown } from "./teardown.js";
import { plannedOutputs } from "./planned-outputs.js";
import { terraformEnv } from "./terraform-argv.js";
import { type PlanSteps, runPlanSteps, showPlanFile } from "./run-plan-steps.js";
import type { TerraformContext } from "./terraform-runner.js";

/** `-var-file` paths come from a PR comment: they must resolve inside the checkout. */
export async function checkVarFiles(checkoutDir: string, projectDir: string, args: readonly string[]) {
  for (const arg of args) {
    const m = /^-var-file=(.*)$/.exec(arg);
    if (!m?.[1]) continue;
    const inside = await resolveInside(checkoutDir, join(projectDir, m[1]));
    if (!inside.ok) return inside.reason;
  }
  return undefined;
}

/** A diagnostic in terraform's `-no-color` text: a line that starts `Warning:` or `Error:`. */
const DIAGNOSTIC = /^(?:Warning|Error): /m;

/**
 * The plan workflow of a project: its steps (or init, plan and show in one run), the summary of
 * `show -json`, what init loaded, a local state warning, and the policy check when configured.
 */
export async function terraformPlan(req: PlanRequest, exec: Exec, ctx: TerraformContext): Promise<PlanOutcome> {
  const { defaultBin, pluginCache } = ctx;
  const bin = req.binary ?? defaultBin;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const fail = planFailure(started);
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return fail("checkout", dir.reason);
  // A destroy plan is Terraform's `-destroy`, after the request's own arguments.
  const extraArgs = [...req.extraArgs, ...(req.destroy ? ["-destroy"] : [])];
  const varFileProblem = await checkVarFiles(req.checkoutDir, req.project.dir, extraArgs);
  if (varFileProblem) return fail("arguments", varFileProblem);
  await mkdir(req.dataDir, { recursive: true });
  const planFile = join(req.dataDir, "plan.tfplan");
  await rm(planFile, { force: true });
  const env: Record<string, string> = {
    ...req.env,
    ...(pluginCache ? await pluginCache.envFor(dir.path) : {}),
    ...terraformEnv(req.dataDir, req.project.workspace),
  };
  const base = (extra: Record<string, string> = {}): ExecOptions => ({
    cwd: dir.path,
    env: { ...env, ...extra },
    timeoutMs: req.timeoutMs,
    redact: req.redact,
    onOutput: req.onOutput,
  });

  /**
   * What plan and run steps printed, held back from the live log until the plan's sensitive
   * values are known (releasePlan): terraform prints some unmarked, and a run step may print
   * anything. Already redacted with the job's secrets.
   */
  const heldPlan = heldOutput(req.onOutput);
  let streamPlan: ((sensitiveValues: readonly string[]) => void) | undefined;
  const releasePlan = (sensitiveValues: readonly string[] = []) => {
    streamPlan?.(sensitiveValues);
    streamPlan = undefined;
    heldPlan.release(sensitiveValues);
  };
  // A plan whose JSON could not be had: its text, whose sensitive values are unknown, never leaves.
  const withholdPlan = (failed: { step: string; message: string; output?: string }, why = PLAN_TEXT_WITHHELD): PlanOutcome => {
    streamPlan = undefined;
    heldPlan.withhold(why);
    return fail(failed.step, withheldFailure(failed.message, why), failed.output);
  };
  // Given other projects' secrets, a plan's diagnostics (which expressions fail or warn) never leave.
  const givenSecrets = req.givenSecrets === true;
  const steps: PlanSteps = { req, exec, bin, pluginCache, dir: dir.path, planFile, extraArgs, base, heldPlan };
  const ran = await runPlanSteps(steps);
  if (!ran.ok) {
    // A show that failed says nothing more when run again (the batched run's own show).
    if (ran.step === "show") return withholdPlan(ran);
    // Init evaluates no variable: its errors say nothing of a secret.
    if (givenSecrets && ran.step !== "init") return withholdPlan({ step: ran.step, message: ran.message }, DIAGNOSTICS_WITHHELD);
    // A plan that succeeded, its file unreadable (none, a link, empty): a whole plan, values unknown.
    if (ran.planUnread) return withholdPlan({ step: ran.step, message: ran.message });
    const sensitive = await leftPlanSensitiveValues(steps);
    // The plan file it left cannot be read: what it printed is withheld, as when show fails.
    if (sensitive === undefined) return withholdPlan({ step: ran.step, message: ran.message });
    streamPlan = ran.streamPlan;
    releasePlan(sensitive);
    return fail(ran.step, ran.message, createRedactor({ secrets: [...sensitive], builtIn: false })(ran.output));
  }
  streamPlan = ran.streamPlan;
  const { shown, stepEnv } = ran;
  const showed = await showPlanFile(steps, ran);
  // No plan file where Sluice reads it (a step wrote it elsewhere): what the steps printed, a whole
  // plan maybe, has sensitive values nothing tells.
  if (!showed.ok) return withholdPlan(showed.step === "show" ? showed : { ...showed, output: "" });
  const showJson = showed.json;
  const json = parsePlanJson(showJson);
  // The JSON is what the gate reads; the file is what an apply applies: they must say the same.
  const file = await readPlanFileContents(planFile);
  const disagrees = json.ok ? shownPlanDisagrees(file, json.plan) : undefined;
  if (disagrees) return withholdPlan({ step: "show", message: disagrees });
  const summary = summarizePlan(json.ok ? json.plan : showJson);
  // The producer's side of `inputs_from`: its outputs as planned (values in clear, never stored).
  const outputs = json.ok ? plannedOutputs(json.plan) : undefined;
  if (!summary.ok) return withholdPlan({ step: "show", message: summary.error });
  // A plan that went through but warned (a `check` block whose assertion failed): its text says
  // which, so none of it leaves; the changes are told from the JSON.
  const withheld = givenSecrets && DIAGNOSTIC.test(shown);
  if (withheld) {
    streamPlan = undefined;
    heldPlan.withhold(DIAGNOSTICS_WITHHELD);
  } else releasePlan(summary.summary.sensitiveValues);
  const text = withheld ? DIAGNOSTICS_WITHHELD : shown;
  summary.summary = await withTeardown(summary.summary, planFile, json.ok ? json.plan : undefined);
  if (req.details && json.ok)
    summary.summary.details = resourceDetails(json.plan, detailsRedactor(req.redact, summary.summary.sensitiveValues));
  // What init really loaded (a templated `source` too), for the code owners of the apply.
  summary.summary.moduleDirs = await loadedModuleDirs(env.TF_DATA_DIR as string, req.checkoutDir, dir.path);
  const place = planStatePlace(env.TF_DATA_DIR as string, dir.path, req, exec.isolated === true, file, env.TF_WORKSPACE);
  // Refused before an apply whose state would not be read back where it went.
  if ("refusal" in place) return fail("state", place.refusal, text);
  // Refused before any apply can write a state the sandbox throws away (the read-only root makes
  // that write fail anyway; this says so at plan, with the fix).
  const refusal = stateRefusal(place);
  if (refusal) return fail("state", refusal, text);
  summary.summary.stateAt = describeStatePlace(place);
  const warning = localStateWarning(place, req.checkoutStateAllowed === true);
  if (warning) summary.summary.warnings = [...(summary.summary.warnings ?? []), warning];
  // A remote backend's digest: one a hold keeps under another dir is the same state. A local one's
  // path is relative to its dir (the hold's key already), and every local default digests alike.
  const remote = place.kind === "remote" ? remoteBackendDigest(env.TF_DATA_DIR as string) : undefined;
  const held = remote !== undefined ? { backend: remote } : {};
  if (!req.policyCheck) return { ok: true, summary: summary.summary, output: text, planFile, durationMs: elapsed(), outputs, ...held };
  const policy = await checkPlanPolicies(exec, req, req.policyCheck, {
    planFile,
    showJson,
    sensitiveValues: summary.summary.sensitiveValues,
    env: base(stepEnv).env as Record<string, string>,
  });
  return { ok: true, summary: summary.summary, output: text, planFile, durationMs: elapsed(), policy, outputs, ...held };
}

/**
 * Where the plan's state lives, from the backend file init wrote, once it is found to name the
 * backend and workspace the plan file was made with (`file`, read from the plan: where the apply
 * writes). The sandbox had TF_DATA_DIR writable: the file is read as a PR's file (inside,
 * regular, capped: never through a symlink, nor /dev/zero or a FIFO); one refused says nothing.
 */
function planStatePlace(
  tfDataDir: string,
  projectDir: string,
  req: PlanRequest,
  isolated: boolean,
  file: PlanFileRead,
  tfWorkspace: string | undefined,
): StatePlace | { refusal: string } {
  const backend = backendFileOfPlan(file, { tfDataDir, tfWorkspace, workspace: req.project.workspace });
  if ("unreadable" in backend) return { kind: "unknown" } as const;
  if ("moved" in backend) return { refusal: backend.moved };
  return statePlace({
    backendState: backend.backendState,
    projectDir,
    checkoutDir: req.checkoutDir,
    workspace: req.project.workspace,
    keptPaths: isolated ? (req.keptPaths ?? []) : undefined,
    sluiceDirs: req.sluiceDirs,
  });
}

/**
 * The server's policy sets over the shown plan. conftest reads the JSON from a file in the plan's
 * own data dir (Atlantis' SHOWFILE), private to this server, and removed once checked: it holds
 * sensitive values in clear.
 */
export async function checkPlanPolicies(
  exec: Exec,
  req: Pick<PlanRequest, "timeoutMs" | "redact">,
  sets: NonNullable<PlanRequest["policyCheck"]>,
  plan: { planFile: string; showJson: string; sensitiveValues: readonly string[]; env: Record<string, string> },
) {
  const showFile = `${plan.planFile}.json`;
  // A workflow step may have left anything at that name: never written through (wx, after rm).
  await rm(showFile, { recursive: true, force: true });
  await writeFile(showFile, plan.showJson, { mode: 0o600, flag: "wx" });
  const sensitive = createRedactor({ secrets: [...plan.sensitiveValues] });
  try {
    return await runPolicyCheck(exec, sets, {
      showFile,
      env: plan.env,
      timeoutMs: req.timeoutMs,
      redact: (text) => sensitive(req.redact(text)),
    });
  } finally {
    await rm(showFile, { force: true });
  }
}
