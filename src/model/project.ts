import type { ProjectInputs } from "./project-inputs.js";

/** The IaC tool that plans and applies a project. */
export type RunnerKind = "terraform" | "opentofu" | "helm" | "kustomize" | "terragrunt";

/** Runners whose projects are Kubernetes manifests: they diff against and apply to a cluster, through the repo's kubeconfig. */
export const isKubernetesRunner = (runner: RunnerKind | string): boolean => runner === "helm" || runner === "kustomize";

/**
 * Differences to leave out of a Kubernetes plan, as Argo CD's `ignoreDifferences`: for objects of
 * a group / kind / name / namespace (each optional), fields named by JSON pointers or plain jq paths.
 */
export interface IgnoreDifference {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
}

/** A helm project's settings from the repo config (base branch). */
export interface HelmSettings {
  /** Release name; default: the chart dir's last segment, made a valid release name. */
  release?: string;
  /** Default: "default". */
  namespace?: string;
  /** Values files, relative to the chart dir; they must resolve inside the checkout. */
  values?: string[];
  /** Plain values: strings pass as `--set-literal` (no comma or escape parsing), others as `--set-json`. */
  set?: Record<string, string | number | boolean>;
  /**
   * Helm value key -> name of a secret in the server config. The job resolves the names and hands
   * the values over in `PlanRequest.secretSet`; they reach helm through `--set-file`, never argv.
   */
  secretSet?: Record<string, string>;
  /** Field paths whose differences are hidden (see runners/k8s/ignore-paths.ts). */
  ignore?: string[];
  ignoreDifferences?: IgnoreDifference[];
  /** `helm template --api-versions`: APIs the target cluster serves (`.Capabilities.APIVersions`). */
  apiVersions?: string[];
  /** `helm template --kube-version` (`.Capabilities.KubeVersion`). */
  kubeVersion?: string;
}

export interface KustomizeSettings {
  namespace?: string;
  ignore?: string[];
  ignoreDifferences?: IgnoreDifference[];
}

/** One plannable unit: a directory of a repo, planned in one workspace by one runner. */
export interface Project extends ProjectInputs {
  /** Unique within the repo; autodiscovered projects are named after their dir. */
  name: string;
  /** Relative to the repo root, POSIX separators, no leading "./", "." for the root. */
  dir: string;
  /** Terraform workspace; "default" unless configured. */
  workspace: string;
  runner: RunnerKind;
  helm?: HelmSettings;
  kustomize?: KustomizeSettings;
  /**
   * Why a change plans this project, one sentence per reason (set on affected projects only):
   * which changed file, and through which module, read or pattern, e.g.
   * "`modules/x/a.yaml`, read by module `modules/x`". Backtick-quoted parts render as code; the
   * comment shows them on a line starting "why:".
   */
  why?: string[];
  /**
   * Projects (by name) this one must follow, found by its tool (Terragrunt `dependency` blocks):
   * ordered as the repo config's `depends_on` is.
   */
  dependsOn?: string[];
  /**
   * A Helm or Kustomize preview's own namespace (set by previews, never read from a config file):
   * everything renders into it, nothing may land outside it, the apply creates it and a destroy
   * deletes it.
   */
  previewNamespace?: string;
  /**
   * Whose preview that namespace is (`OWNER/REPO#PR:PROJECT`), written on it when it is created
   * and required of it before anything is written into or deleted from it: a namespace of the
   * same name made for another repository's, pull request's or project's preview is not this one's.
   */
  previewOf?: string;
}

/** Lock / serialization key: at most one plan or apply per key at a time. */
export function projectKey(repo: string, p: Pick<Project, "dir" | "workspace">): string {
  return `${repo}|${p.dir}|${p.workspace}`;
}

/**
 * A project's identity within a repo: results, plans, comments and checks key by this one value,
 * so two workspaces of one dir (or two named projects) can never be handed each other's plan.
 */
export function projectId(p: Pick<Project, "dir" | "workspace" | "name">): string {
  return `${p.dir}\u0000${p.workspace}\u0000${p.name}`;
}

/**
 * The name of a project planned in a workspace its config does not list (`/plan -d app -w
 * staging` on an autodiscovered dir): distinct from the dir's own project, so plans, locks and
 * results of the two never collide.
 */
export function adHocWorkspaceName(name: string, workspace: string): string {
  return `${name}@${workspace}`;
}
