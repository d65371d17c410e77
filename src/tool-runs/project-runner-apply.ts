import { dirname } from "node:path";
import { recorded } from "./apply-records.js";
import type { ProjectRunner, RunDoors } from "./project-runner.js";
import { applyRequest } from "./runner-request.js";
import { heldBackendReason, holdOnBackend, keepState } from "./state-holds.js";
import { failed, refused } from "./tool-run-requests.js";

/** The project runner's apply of a saved plan: through the gate, its records kept in one order. */
export function projectRunnerApply({ ctx, prepare, sandbox, gateApply }: RunDoors): ProjectRunner["apply"] {
  const { deps, settings, secrets } = ctx;
  return async (pass, project, at) => {
    const none = { sensitiveValues: [] as string[], output: "" };
    const ready = await prepare(project, at.checkoutDir);
    if (!("runner" in ready)) return { ...ready, ...none };
    const { runner } = ready;
    const dataDir = dirname(at.planFile);
    const built = applyRequest(
      { deps, settings, secrets },
      project,
      { checkoutDir: at.checkoutDir, dataDir, planFile: at.planFile, onOutput: at.onOutput, stepVariables: at.stepVariables },
      at.inputs,
    );
    if (!built.ok)
      return { ...refused("settings", "reason" in built.result ? built.result.reason : "the apply could not be prepared"), ...none };
    const req = built.request;
    // A plan saved before its backend was held under another dir is not applied over it.
    const elsewhere = await holdOnBackend(ctx, project, runner.backendOf?.(dataDir));
    if (elsewhere) return { ...refused("held", heldBackendReason(elsewhere, project)), ...none };
    const sandboxed = sandbox(project, [req.checkoutDir, dataDir], [req.kubeconfig]);
    if (!sandboxed.ok) return { ...refused("sandbox", sandboxed.reason), ...none };
    const seen: { identity?: string } = {};
    let keptState: string | undefined;
    const run = async () => {
      const ran = await gateApply(pass, runner, req, sandboxed.exec, { project, preview: at.preview, claims: at.claims, seen });
      // A state terraform could not save is kept before the apply's end is recorded: a store
      // write failing there must not let it go with the worktree.
      if (!ran.ok && ran.erroredState) keptState = await keepState(ctx, project, ran.erroredState, ran.message, ran.erroredBackend);
      return ran;
    };
    const outcome = at.record ? await recorded(ctx, project, at.record, pass.approvers, run) : await run();
    secrets.add(outcome.sensitiveValues);
    const kept = { sensitiveValues: outcome.sensitiveValues, output: outcome.output, credentials: seen.identity };
    if (!outcome.ok && keptState !== undefined) return { ...failed("apply", keptState), ...kept };
    if (!outcome.ok) return { ...failed("apply", outcome.message), ...kept };
    return { ok: true, value: outcome, ...kept };
  };
}
