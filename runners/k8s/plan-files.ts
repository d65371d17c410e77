/**
 * What a Kubernetes plan leaves in the project's data dir (mode 0600; the render holds Secret
 * values in clear, like a Terraform plan file holds sensitive values).
 */
/** The plan file: the head render (for kustomize, after `# sluice:delete` lines; see deletion-header.ts). */
export const RENDERED_FILE = "rendered.yaml";
/** Written by a kustomize apply from the plan file's header, for `kubectl delete -f`. */
export const DELETIONS_FILE = "deletions.yaml";
/** Written by a kustomize plan with a kubeconfig: what it deletes, so the live diff reads them from the cluster. */
export const LIVE_DELETIONS_FILE = "live-deletions.yaml";
