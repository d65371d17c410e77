import { keyPlanDigests } from "./key-plan-digests.js";
import type { ProjectRunner, RunDoors } from "./project-runner.js";
import { planRequest } from "./runner-request.js";
import { heldBackendReason, holdOnBackend } from "./state-holds.js";
import { failed, refused } from "./tool-run-requests.js";

/** The project runner's plan: with the plan credentials, never over a backend another dir holds. */
export function projectRunnerPlan({ ctx, redact, prepare, sandbox, withPlanCredentials }: RunDoors): ProjectRunner["plan"] {
  const { deps, settings, secrets } = ctx;
  return async (project, at) => {
    const ready = await prepare(project, at.checkoutDir);
    if (!("runner" in ready)) return ready;
    const { runner } = ready;
    const { inputs, claims: _claims, preview: _preview, ...where } = at;
    const built = planRequest(
      { deps, settings, secrets },
      project,
      { ...where, baseCheckoutDir: runner.needsBase ? at.baseCheckoutDir : undefined },
      inputs,
    );
    if (!built.ok) return refused("settings", "reason" in built.result ? built.result.reason : "the plan could not be prepared");
    const req = { ...built.request, redact };
    const sandboxed = sandbox(
      project,
      [req.checkoutDir, req.baseCheckoutDir, req.dataDir],
      [req.kubeconfig, ...(req.policyCheck?.sets.map((s) => s.path) ?? [])],
    );
    if (!sandboxed.ok) return refused("sandbox", sandboxed.reason);
    const ran = await withPlanCredentials(project, at.preview, at.claims, sandboxed.exec, (exec) => runner.plan(req, exec));
    if (!ran.ok) return refused("credentials", ran.reason);
    const outcome = ran.value;
    const credentials = ran.identity || undefined;
    if (!outcome.ok)
      return { ...failed(outcome.failedStep, outcome.message), credentials, output: outcome.output, durationMs: outcome.durationMs };
    secrets.add(outcome.summary.sensitiveValues);
    const elsewhere = await holdOnBackend(ctx, project, outcome.backend);
    if (elsewhere) return { ...refused("held", heldBackendReason(elsewhere, project)), credentials, output: outcome.output };
    return { ok: true, value: keyPlanDigests(outcome, deps.planKey), credentials };
  };
}
