import { mkdir, readFile } from "node:fs/promises";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { changeRunOptions } from "../change-run-options.js";
import type { ExecOptions } from "../exec.js";
import type { Exec, StateOutcome, StateRequest } from "../runner.js";
import { describeStepFailure } from "./describe-step-failure.js";
import { stateArgv, terraformEnv } from "./terraform-argv.js";
import { initAsPlanned } from "./terraform-init.js";
import { erroredBefore, printedUnsaved, unsavedState, withErrored } from "./errored-state.js";
import type { PrintedState } from "../withheld-state.js";
import { backendDigest, remoteBackendDigest } from "./backend-digest.js";
import { pullState } from "./state-read-back.js";
import { parseStatePull, type StateSnapshot } from "./state-scanner.js";
import { stateCommandReadBack } from "./state-command-read-back.js";
import type { TerraformContext } from "./terraform-runner.js";
import { checkoutStateRefusal, statePlace, stateRefusal } from "./state-place.js";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";
import { listSome } from "../../src/util/list-some.js";

/** A state command's failure at a step, timed from `started` (both runners' state commands). */
export const stateFailure =
  (started: number) =>
  (failedStep: string, message: string, output = ""): StateOutcome => ({
    ok: false,
    failedStep,
    message,
    output,
    durationMs: performance.now() - started,
  });

/** `import`, `state rm` or `state push` in a project: init, then the one state command, under a pty. */
export async function terraformState(req: StateRequest, exec: Exec, ctx: TerraformContext): Promise<StateOutcome> {
  const { defaultBin, pluginCache } = ctx;
  const bin = req.binary ?? defaultBin;
  const started = performance.now();
  const fail = stateFailure(started);
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return fail("checkout", dir.reason);
  await mkdir(req.dataDir, { recursive: true });
  const env: Record<string, string> = {
    ...req.env,
    ...(pluginCache ? await pluginCache.envFor(dir.path) : {}),
    ...terraformEnv(req.dataDir, req.project.workspace),
  };
  const init: ExecOptions = {
    cwd: dir.path,
    env,
    timeoutMs: req.timeoutMs,
    redact: req.redact,
    onOutput: req.onOutput,
  };
  // The backend as the plan's workflow sets it up (its `-backend-config`), never the bare block's:
  // else a push, import or rm would change a state that plans and applies do not read.
  const initialized = await initAsPlanned(
    pluginCache,
    bin,
    exec,
    req.workflow?.plan,
    init,
    req.checkoutDir,
    dir.path,
    req.project.workspace,
  );
  if (initialized.failed) {
    const r = initialized.failed;
    return fail("init", describeStepFailure(bin, "init", r, req.timeoutMs), r.stdout + r.stderr);
  }
  const base: ExecOptions = { ...init, env: { ...env, ...initialized.stepEnv } };
  // Where the command would write, as init resolved it: a state the job throws away (in the
  // checkout, or where the sandbox keeps nothing) would make a change that vanishes with the run.
  const lost = stateLostWith(env.TF_DATA_DIR as string, dir.path, req, exec.isolated === true);
  if (lost) return fail("state", lost);
  const op = req.operation;
  const step = op.kind === "import" ? "import" : op.kind === "push" ? "state push" : "state rm";
  const read = { cwd: dir.path, env: base.env as Record<string, string>, timeoutMs: req.timeoutMs, redact: req.redact };
  // What the backend holds before: the read-back after the command must find it moved.
  const before = await pullState(exec, bin, read);
  if ("error" in before) return fail("state pull", `the backend's state could not be read before the ${step}: ${before.error}`);
  // Only an errored.tfstate the command itself wrote is its unsaved state, never one the checkout brought.
  const erroredAtStart = await erroredBefore(dir.path);
  // A kept state goes back into the backend that refused it, never one this checkout names instead.
  const backend = backendDigest(env.TF_DATA_DIR as string);
  const remote = remoteBackendDigest(env.TF_DATA_DIR as string);
  const held = remote !== undefined ? await req.heldBackend?.(remote) : undefined;
  if (held) return fail("held", held);
  if (op.kind === "push" && op.backend !== undefined && backend !== op.backend)
    return fail(
      "backend",
      "the backend this checkout sets the project up with is not the one that refused the kept state (its `backend` block or `-backend-config` differ): nothing was pushed, and the project stays held. Push from a pull request whose project uses the backend the apply wrote to (one that leaves the project as the run that kept the state had it)",
    );
  const printed: PrintedState[] = [];
  const r = await exec(bin, stateArgv(op), changeRunOptions(req, { ...base, printed }));
  if (r.exitCode !== 0) {
    const failed = withErrored(
      fail(step, describeStepFailure(bin, step, r, req.timeoutMs), r.stdout) as Extract<StateOutcome, { ok: false }>,
      await unsavedState(dir.path, erroredAtStart, printedUnsaved(printed, r.stdout, { byTerraform: true })),
    );
    return failed.erroredState ? { ...failed, erroredBackend: backend } : failed;
  }
  // Done only once the backend gives back the state the command made (the push: the one pushed).
  const after = await pullState(exec, bin, read);
  const problem =
    op.kind === "push" ? pushedReadBack(await readFile(op.file, "utf8"), before, after) : stateCommandReadBack(op, before, after);
  if (problem) return fail("read back", problem, r.stdout);
  return { ok: true, output: r.stdout, durationMs: performance.now() - started };
}

/**
 * Why the state read back after a push is not the one pushed, if it is not: the same lineage at
 * the pushed serial or later, holding every resource pushed. Terraform gives a state pushed into
 * an empty backend a lineage of its own, so there only the resources are compared.
 */
export function pushedReadBack(pushedText: string, before: StateSnapshot, after: StateSnapshot | { error: string }): string | undefined {
  if ("error" in after) return `the state was pushed, but could not be read back through the backend: ${after.error}`;
  const pushed = parseStatePull(pushedText);
  if ("error" in pushed) return `the kept state is not a Terraform state: ${pushed.error}`;
  const wasEmpty = before.lineage === "" && before.serial === 0;
  if (!wasEmpty && (after.lineage !== pushed.lineage || after.serial < pushed.serial))
    return `the backend holds lineage ${after.lineage || "(none)"} serial ${after.serial} after the push, not the pushed lineage ${pushed.lineage} serial ${pushed.serial}`;
  const missing = [...pushed.addresses].filter((a) => !after.addresses.has(a));
  if (missing.length) return `the backend's state after the push lacks ${missing.length} of the pushed resources (${listSome(missing, 5)})`;
  return undefined;
}

/**
 * Why the state command is refused because its state would not outlive the job: the backend init
 * resolved (its file in TF_DATA_DIR, written by this run: read as a PR's file) is a local file in
 * the checkout (unless the server allows it) or where the sandbox keeps nothing; one that cannot
 * be read says nothing of where the state goes, and is refused too, as the apply refuses it.
 */
function stateLostWith(dataDir: string, projectDir: string, req: StateRequest, isolated: boolean): string | undefined {
  const backend = readCheckoutFile(dataDir, "terraform.tfstate");
  if (!backend.ok && backend.problem !== "missing")
    return `the backend terraform set up (TF_DATA_DIR/terraform.tfstate) cannot be read (${backend.message}): Sluice cannot tell where this command would write the state, so it is refused`;
  const place = statePlace({
    backendState: backend.ok ? backend.text : undefined,
    projectDir,
    checkoutDir: req.checkoutDir,
    workspace: req.project.workspace,
    keptPaths: isolated ? (req.keptPaths ?? []) : undefined,
    sluiceDirs: req.sluiceDirs,
  });
  if (place.kind === "unknown")
    return "the backend terraform set up cannot be read as a backend: Sluice cannot tell where this command would write the state, so it is refused";
  if (place.kind === "local" && place.inCheckout !== undefined)
    return req.checkoutStateAllowed ? undefined : checkoutStateRefusal(place.inCheckout);
  return stateRefusal(place);
}
