/**
 * What a Kubernetes plan leaves in the project's data dir (mode 0600; the render holds Secret
 * values in clear, like a Terraform plan file holds sensitive values).
 */
/** The head render, byte for byte: the plan file. */
export const RENDERED_FILE = "rendered.yaml";
/** Identities (no bodies) of the objects the plan deletes; absent when none. */
export const DELETIONS_FILE = "deletions.yaml";
