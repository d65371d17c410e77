import type { Runner } from "../runner.js";

export interface K8sRunner extends Runner {
  /** The plan is a diff of renders at base and head, not a call to a cluster. */
  needsBase: true;
}

export const NO_KUBECONFIG = "no kubeconfig is configured for this repository on the Sluice server, so nothing can be applied to a cluster";
