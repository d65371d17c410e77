import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StateOperation } from "../../runners/runner.js";
import type { ProjectRunner, RunDoors } from "./project-runner.js";
import { heldBackendReason, holdOn, holdOnBackend, keepState, pushRefusal, releaseHold } from "./state-holds.js";
import { toolRunBase } from "./runner-request.js";
import { failed, refused } from "./tool-run-requests.js";

/** The project runner's state change without a plan (`/import`, `/state rm`, the push of a kept state): through the gate. */
export function projectRunnerState({ ctx, redact, prepare, sandbox, gateStateChange }: RunDoors): ProjectRunner["state"] {
  const { deps, settings } = ctx;
  return async (pass, project, at) => {
    const pushing = at.operation.kind === "push-errored";
    const ready = await prepare(project, at.checkoutDir, pushing);
    if (!("runner" in ready)) return { ...ready, output: "" };
    const { runner } = ready;
    // The plan's init steps name the backend plans and applies use: the state command uses it too.
    const workflow = settings.workflowFor(project);
    if (workflow.refusal) return { ...refused("settings", workflow.refusal), output: "" };
    const hold = pushing ? await holdOn(ctx, project) : undefined;
    const kept = hold && (await deps.store.heldState(hold.id));
    if (pushing && !kept) return { ...refused("held", `${project.name} is not held: Sluice keeps no state of it to push`), output: "" };
    const elsewhere = hold && pushRefusal(hold, project, settings);
    if (elsewhere) return { ...refused("held", elsewhere), output: "" };
    let operation: StateOperation;
    if (at.operation.kind === "push-errored") {
      // The kept state goes into the run's own data dir, made anew: never written through a link a run left.
      const file = join(at.dataDir, "errored.tfstate");
      await mkdir(at.dataDir, { recursive: true });
      await rm(file, { force: true, recursive: true });
      await writeFile(file, kept as Buffer, { mode: 0o600, flag: "wx" });
      operation = { kind: "push", file, ...(hold?.backend ? { backend: hold.backend } : {}) };
    } else {
      operation = at.operation;
    }
    const sandboxed = sandbox(project, [at.checkoutDir, at.dataDir], []);
    if (!sandboxed.ok) return { ...refused("sandbox", sandboxed.reason), output: "" };
    const seen: { identity?: string } = {};
    const req = {
      ...toolRunBase(deps, settings, project, workflow.workflow),
      checkoutDir: at.checkoutDir,
      dataDir: at.dataDir,
      operation,
      redact,
      onOutput: at.onOutput,
      keptPaths: deps.tools.sandbox.keptPaths,
      sluiceDirs: deps.tools.sandbox.sluiceDirs,
      checkoutStateAllowed: deps.config.allow_checkout_state,
      // The push is the one run a held backend takes (into the hold's own backend, checked by digest).
      heldBackend: async (backend: string) => {
        const elsewhere = pushing ? undefined : await holdOnBackend(ctx, project, backend);
        return elsewhere && heldBackendReason(elsewhere, project);
      },
    };
    const outcome = await gateStateChange(pass, runner, req, sandboxed.exec, { project, preview: false, claims: at.claims, seen });
    const ran = { output: outcome.output, credentials: seen.identity };
    // Held under another dir: refused, nothing was changed.
    if (!outcome.ok && outcome.failedStep === "held") return { ...refused("held", outcome.message), ...ran };
    if (!outcome.ok && outcome.erroredState)
      return {
        ...failed(outcome.failedStep, await keepState(ctx, project, outcome.erroredState, outcome.message, outcome.erroredBackend)),
        ...ran,
      };
    if (!outcome.ok) return { ...failed(outcome.failedStep, outcome.message), ...ran };
    if (hold) await releaseHold(ctx, project, hold, pass.actor);
    return { ok: true, value: outcome, output: outcome.output, credentials: seen.identity };
  };
}
