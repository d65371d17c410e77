import type { ApplyRequest, PlanRequest, Runner } from "../runner.js";

/**
 * PlanRequest and ApplyRequest as the Kubernetes runners need them, until runners/runner.ts carries
 * these fields (proposed in the helm/kustomize report).
 */
export interface K8sPlanRequest extends PlanRequest {
  /**
   * Worktree at the PR's base SHA, given by the job when the runner says `needsBase`. Absent, or
   * the project dir missing there: every object is a create.
   */
  baseCheckoutDir?: string;
  /**
   * Resolved `secretSet` values, keyed by the helm value key (`db.password` -> value). The job
   * resolves server secret names and registers the values with the redactor before the run.
   */
  secretSet?: Record<string, string>;
}

export interface K8sApplyRequest extends ApplyRequest {
  /** Path of the kubeconfig the server config gives this repo; no kubeconfig, no apply. */
  kubeconfig?: string;
  /** As in K8sPlanRequest. */
  secretSet?: Record<string, string>;
}

export interface K8sRunner extends Runner {
  /** The job must provide `baseCheckoutDir`: the plan is a diff of renders, not a call to a cluster. */
  needsBase: true;
}

export const NO_KUBECONFIG =
  "no kubeconfig is configured for this repository on the Sluice server, so nothing can be applied to a cluster";
