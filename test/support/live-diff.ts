import { expect } from "vitest";
import type { PlanOutcome } from "../../runners/runner.js";

// Shared by the Kubernetes runner tests (integration/live-diff-helm, live-diff-kustomize,
// kustomize-runner): a plan that must have succeeded, and its live section read out of its output.

/** A plan that succeeded; a failed one fails the test with where and why. */
export function planned(outcome: PlanOutcome) {
  if (!outcome.ok) throw new Error(`plan failed at ${outcome.failedStep}: ${outcome.message}\n${outcome.output}`);
  return outcome;
}

/** The live section: from its header to the end of the output, separated from the render diff by a blank line. */
export function liveSection(outcome: PlanOutcome): string {
  const out = planned(outcome).output;
  const at = out.indexOf("== Live diff against the cluster (server-side dry-run)");
  expect(at).toBeGreaterThan(0);
  expect(out.slice(at - 2, at)).toBe("\n\n");
  return out.slice(at);
}
