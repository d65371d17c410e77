import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { changeRunOptions } from "../change-run-options.js";
import type { ApplyOutcome, ApplyRequest, Exec } from "../runner.js";
import { backendDigest } from "../terraform/backend-digest.js";
import { describeStepFailure } from "../terraform/describe-step-failure.js";
import { erroredBefore, printedUnsaved, type UnsavedPrinted, unsavedState, withErrored } from "../terraform/errored-state.js";
import type { PrintedState } from "../withheld-state.js";
import { readSavedPlan } from "../terraform/read-saved-plan.js";
import { readPlanFileContents } from "../terraform/plan-file-contents.js";
import { appliedAfterReadBack, priorState, pullState } from "../terraform/state-read-back.js";
import {
  type TerragruntFlags,
  terragruntApplyArgv,
  terragruntEnv,
  terragruntShowJsonArgv,
  terragruntStatePullArgv,
} from "./terragrunt-argv.js";
import { unitStateGoesElsewhere, unitStatePlaces, unitStateRefusal, unitWorkDirs } from "./unit-state.js";

/**
 * A unit's apply of exactly its saved plan, reported as applied only once the state read back
 * through the backend is where the plan said; a state the backend refused is kept.
 */
export async function terragruntApply(req: ApplyRequest, exec: Exec, bin: string, flags: TerragruntFlags): Promise<ApplyOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  // Refused before terragrunt started: the state is as it was (rule 8). Not so once it ran, even
  // for its `show` or `state pull`: the unit's hooks and `run_cmd` run there, with the apply's credentials.
  const refuse = (message: string): ApplyOutcome => ({
    ok: false,
    message,
    output: "",
    durationMs: elapsed(),
    sensitiveValues: [],
    untouched: true,
  });
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return refuse(dir.reason);
  const file = await lstat(req.planFile).catch(() => undefined);
  if (!file?.isFile()) return refuse("the saved plan is not a regular file");
  // Where the apply writes the state: the saved plan's backend, in the workspace selected when it
  // runs; the copy's backend file and selection, which the read-back goes through, must name the same.
  const planned = await readPlanFileContents(req.planFile);
  if (planned?.ok === false) return refuse(`the saved plan cannot be read: ${planned.reason}`);
  const env: Record<string, string> = { ...req.env, ...terragruntEnv(flags) };
  const frozen = [req.planFile];
  const saved = await readSavedPlan(exec, bin, terragruntShowJsonArgv(flags, req.planFile), req, { cwd: dir.path, env });
  const { sensitiveValues } = saved;
  const fail = (message: string, output = ""): ApplyOutcome => ({ ok: false, message, output, durationMs: elapsed(), sensitiveValues });
  if (!saved.ok) return fail(saved.message);
  const { redact } = saved;
  // Where terraform runs for the unit (the `show` above made the copy if this server had none).
  const work = await unitWorkDirs(dir.path, flags.downloadDir, req.checkoutDir);
  if (!work.ok) return fail(work.reason);
  const workDirs = work.dirs;
  const lostWith = (dirs: readonly string[]) =>
    unitStateRefusal(
      unitStatePlaces(dirs, { checkoutDir: req.checkoutDir, workspace: req.project.workspace }),
      flags.downloadDir,
      req.checkoutStateAllowed === true,
    );
  const refusal = lostWith(workDirs);
  if (refusal) return fail(refusal);
  const where = { workspace: req.project.workspace, tfWorkspace: env.TF_WORKSPACE };
  const moved = unitStateGoesElsewhere(workDirs, planned, where);
  if (moved) return fail(`${moved}; plan again`);
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
  // A state terraform could save nowhere is printed (withheld from the output): kept as the unit's.
  const printed: PrintedState[] = [];
  const failAfterApply = async (message: string, output: string, printedState?: UnsavedPrinted): Promise<ApplyOutcome> => {
    for (const d of workDirs) {
      const errored = await unsavedState(d, erroredAtStart.get(d), printedState);
      if (errored.erroredState || errored.problem) {
        const failed = withErrored(fail(message, output) as Extract<ApplyOutcome, { ok: false }>, errored);
        // With the backend of the copy that refused it: the push goes into that one only.
        return failed.erroredState ? { ...failed, erroredBackend: backendDigest(join(d, ".terraform")) } : failed;
      }
    }
    return fail(message, output);
  };
  const r = await exec(
    bin,
    terragruntApplyArgv(flags, req.planFile),
    changeRunOptions(req, { cwd: dir.path, env, redact, sandboxReadOnly: frozen, printed }),
  );
  if (r.exitCode !== 0)
    return failAfterApply(
      describeStepFailure(bin, "apply", r, req.timeoutMs),
      r.stdout,
      printedUnsaved(printed, r.stdout, { byTerraform: true }),
    );
  return appliedAfterReadBack({
    plan: saved.summary,
    before,
    // The apply ran the unit's code (hooks, a provisioner, a provider), which could rewrite the
    // copy's backend file after the check above, or make another copy: read back only through the
    // plan's backend.
    pull: async () => {
      const now = await unitWorkDirs(dir.path, flags.downloadDir, req.checkoutDir);
      // Nor into the checkout, or the copy, through a link a hook left on a local state's path.
      const movedSince = now.ok ? (unitStateGoesElsewhere(now.dirs, planned, where) ?? lostWith(now.dirs)) : now.reason;
      return movedSince ? { error: movedSince } : pull();
    },
    output: r.stdout,
    durationMs: elapsed,
    sensitiveValues,
    failAfter: failAfterApply,
  });
}
