import type { WorkflowStep } from "../../src/model/repo-config.js";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { changeRunOptions } from "../change-run-options.js";
import type { ApplyOutcome, ApplyRequest, Exec } from "../runner.js";
import { describeStepFailure } from "./describe-step-failure.js";
import { isRegularFile, pathExists } from "./file-kind.js";
import { shownStep, stepVariables } from "./step-variables.js";
import { readSavedPlan } from "./read-saved-plan.js";
import { applyArgv, showJsonArgv, terraformEnv } from "./terraform-argv.js";
import { initAgain } from "./terraform-init.js";
import { appliedAfterReadBack, priorState, pullState } from "./state-read-back.js";
import { erroredBefore, printedUnsaved, type UnsavedPrinted, unsavedState, withErrored } from "./errored-state.js";
import type { PrintedState } from "../withheld-state.js";
import { backendDigest } from "./backend-digest.js";
import type { TerraformContext } from "./terraform-runner.js";
import { backendFileOfPlan, checkoutStateRefusal, statePlace } from "./state-place.js";
import { type PlanFileRead, readPlanFileContents } from "./plan-file-contents.js";

const DEFAULT_APPLY: WorkflowStep[] = [{ kind: "apply", extraArgs: [] }];

/**
 * Applies the saved plan, and only it: the project set up again when the plan was made elsewhere,
 * the plan frozen read-only for every step, its sensitive values learnt before any output.
 */
export async function terraformApply(req: ApplyRequest, exec: Exec, ctx: TerraformContext): Promise<ApplyOutcome> {
  const { defaultBin, pluginCache } = ctx;
  const bin = req.binary ?? defaultBin;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  // Refused before any step of the apply workflow ran: the state is as it was (rule 8).
  const refuse = (message: string, output = "", sensitiveValues: string[] = []): ApplyOutcome => ({
    ok: false,
    message,
    output,
    durationMs: elapsed(),
    sensitiveValues,
    untouched: true,
  });
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return refuse(dir.reason);
  const env: Record<string, string> = {
    ...req.env,
    ...(pluginCache ? await pluginCache.envFor(dir.path) : {}),
    ...terraformEnv(req.dataDir, req.project.workspace),
  };
  // A plan made on another replica (or copied from the store) comes without TF_DATA_DIR: its
  // providers, modules and backend are set up again, as the plan's workflow did, before anything reads the plan.
  if (!(await pathExists(env.TF_DATA_DIR as string))) {
    const failed = await initAgain(pluginCache, bin, exec, req, env, dir.path);
    if (failed) return refuse(failed.message, failed.output);
  }
  if (!(await isRegularFile(req.planFile))) return refuse("the saved plan is not a regular file");
  // Where the apply writes the state: the saved plan's backend, in the workspace selected when it
  // runs; the backend file and the selection the read-back goes through must name the same.
  const file = await readPlanFileContents(req.planFile);
  if (file?.ok === false) return refuse(`the saved plan cannot be read: ${file.reason}`);
  // A state written into the checkout goes with it: refused before anything runs, unless allowed.
  const place = checkoutState(env.TF_DATA_DIR as string, dir.path, req, file, env.TF_WORKSPACE);
  if ("unreadable" in place) return refuse(unreadableBackend(place.unreadable));
  if ("moved" in place) return refuse(`${place.moved}; plan again`);
  if (place.inCheckout !== undefined && req.checkoutStateAllowed !== true) return refuse(checkoutStateRefusal(place.inCheckout));
  // What the backend holds before: the read-back after the apply must find it moved. Terraform
  // applies a saved plan only over the state it was made against (else "Saved plan is stale"),
  // and keeps that state in the plan file: read there, it saves a terraform run per apply. Read
  // before `show`, which starts the providers the PR chose with the apply's credentials: a read
  // failing now is one no code of the PR caused (untouched); after them it could be theirs.
  const before =
    (await priorState(req.planFile)) ??
    (await pullState(exec, bin, { cwd: dir.path, env, timeoutMs: req.timeoutMs, redact: req.redactWith([]) }));
  if ("error" in before) return refuse(`the state could not be read through the backend before the apply: ${before.error}`);
  // The saved plan was verified before this apply: no code the apply starts may change it.
  const frozen = [req.planFile];
  const saved = await readSavedPlan(exec, bin, showJsonArgv(req.planFile), req, { cwd: dir.path, env });
  const { sensitiveValues } = saved;
  const fail = (message: string, output = ""): ApplyOutcome => ({ ok: false, message, output, durationMs: elapsed(), sensitiveValues });
  // Not refused: `show` starts the providers the PR chose, with the apply's credentials (a
  // provider could change the state there and then fail it). Its PR keeps its locks.
  if (!saved.ok) return fail(saved.message);
  const { redact } = saved;
  const readAt = { cwd: dir.path, env, timeoutMs: req.timeoutMs, redact };

  // An errored.tfstate already there (brought by the checkout, or left by an earlier run in this
  // dir) is not this apply's: only one the apply's steps wrote is kept as its unsaved state.
  const erroredAtStart = await erroredBefore(dir.path);
  // Once a step has run, any failure may leave a state terraform could not save (an `apply` step's,
  // or a `run` step that wraps terraform): it is kept before the worktree goes.
  // With the backend that refused it: the state is pushed into that one only.
  // Where a step could save it nowhere, terraform prints it (withheld from the output): kept instead.
  const failAfterSteps = async (message: string, out: string, printedState?: UnsavedPrinted): Promise<ApplyOutcome> => {
    const unsaved = await unsavedState(dir.path, erroredAtStart, printedState);
    const failed = withErrored(fail(message, out) as Extract<ApplyOutcome, { ok: false }>, unsaved);
    return failed.erroredState ? { ...failed, erroredBackend: backendDigest(env.TF_DATA_DIR as string) } : failed;
  };
  let output = "";
  const stepEnv: Record<string, string> = {};
  for (const step of req.workflow?.apply ?? DEFAULT_APPLY) {
    const printed: PrintedState[] = [];
    const options = (extra: Record<string, string>) =>
      changeRunOptions(req, { cwd: dir.path, env: { ...env, ...extra }, redact, sandboxReadOnly: frozen, printed });
    if (step.kind === "env") {
      stepEnv[step.name] = step.value;
    } else if (step.kind === "apply") {
      const r = await exec(bin, [...applyArgv(req.planFile).slice(0, -1), ...step.extraArgs, req.planFile], options(stepEnv));
      output += r.stdout;
      if (r.exitCode !== 0)
        return failAfterSteps(
          describeStepFailure(bin, "apply", r, req.timeoutMs),
          output,
          printedUnsaved(printed, r.stdout, { byTerraform: true }),
        );
    } else if (step.kind === "run") {
      const [file, ...args] = step.argv;
      if (!file) continue;
      const r = await exec(file, args, options({ ...stepVariables(req, dir.path, req.planFile), ...stepEnv, ...step.env }));
      const { line, name } = shownStep(step);
      output += `$ ${line}\n${r.stdout}`;
      if (r.exitCode !== 0)
        return failAfterSteps(
          describeStepFailure(name, "step", r, req.timeoutMs),
          output,
          printedUnsaved(printed, r.stdout, { byTerraform: false }),
        );
    }
    // init and plan steps have no place in an apply: the saved plan is what gets applied.
  }
  // Reported as applied only once the state is where the backend says, read back by a fresh run,
  // with the env the workflow's steps gave the apply (a backend its `env` steps set up).
  return appliedAfterReadBack({
    plan: saved.summary,
    before,
    // The steps ran the PR's code (a provisioner, a provider, a `run` step), which could rewrite
    // the backend file after the check above: read back only through the plan's backend.
    pull: async () => {
      const pullEnv = { ...env, ...stepEnv };
      const moved = backendMoved(env.TF_DATA_DIR as string, req, file, pullEnv.TF_WORKSPACE);
      if (moved) return { error: moved };
      // Nor into the checkout through a link a step left on the local state's path since the check.
      const now = checkoutState(env.TF_DATA_DIR as string, dir.path, req, file, pullEnv.TF_WORKSPACE);
      if ("inCheckout" in now && now.inCheckout !== undefined && req.checkoutStateAllowed !== true)
        return { error: checkoutStateRefusal(now.inCheckout) };
      return pullState(exec, bin, { ...readAt, env: pullEnv });
    },
    output,
    durationMs: elapsed,
    sensitiveValues,
    failAfter: failAfterSteps,
  });
}

/** Why, after the apply's steps, the read-back would not go where the apply wrote (stateGoesElsewhere), or undefined. */
function backendMoved(dataDir: string, req: ApplyRequest, file: PlanFileRead, tfWorkspace: string | undefined): string | undefined {
  const backend = backendFileOfPlan(file, { tfDataDir: dataDir, tfWorkspace, workspace: req.project.workspace });
  if ("unreadable" in backend) return `the backend file in TF_DATA_DIR cannot be read after the apply's steps (${backend.unreadable})`;
  return "moved" in backend ? backend.moved : undefined;
}

/**
 * The state's path inside the checkout when the backend terraform resolved at init (its file in
 * TF_DATA_DIR, a file the plan's run wrote: read carefully) is a local one there; `moved` when the
 * state would not be read back where the saved plan's apply writes it (stateGoesElsewhere). A file there that
 * cannot be read as one (a link, a dir, a FIFO, text that is no backend, left by a run) says
 * nothing of where the state goes: unreadable, never taken for a remote backend.
 */
function checkoutState(
  dataDir: string,
  projectDir: string,
  req: ApplyRequest,
  file: PlanFileRead,
  tfWorkspace: string | undefined,
): { inCheckout?: string } | { unreadable: string } | { moved: string } {
  const backend = backendFileOfPlan(file, { tfDataDir: dataDir, tfWorkspace, workspace: req.project.workspace });
  if (!("backendState" in backend)) return backend;
  const place = statePlace({
    backendState: backend.backendState,
    projectDir,
    checkoutDir: req.checkoutDir,
    workspace: req.project.workspace,
  });
  if (place.kind === "unknown") return { unreadable: "it cannot be read as a backend" };
  return place.kind === "local" ? { inCheckout: place.inCheckout } : {};
}

const unreadableBackend = (why: string) =>
  `the backend terraform set up at plan (TF_DATA_DIR/terraform.tfstate) cannot be read (${why}): Sluice cannot tell where this apply would write the state, so it is refused; plan again`;
