/** The IaC tool that plans and applies a project. */
export type RunnerKind = "terraform" | "opentofu" | "helm" | "kustomize";

/** One plannable unit: a directory of a repo, planned in one workspace by one runner. */
export interface Project {
  /** Unique within the repo; autodiscovered projects are named after their dir. */
  name: string;
  /** Relative to the repo root, POSIX separators, no leading "./", "." for the root. */
  dir: string;
  /** Terraform workspace; "default" unless configured. */
  workspace: string;
  runner: RunnerKind;
}

/** Lock / serialization key: at most one plan or apply per key at a time. */
export function projectKey(repo: string, p: Pick<Project, "dir" | "workspace">): string {
  return `${repo}|${p.dir}|${p.workspace}`;
}
