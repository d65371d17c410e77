import type { PreviewRecord } from "../model/preview.js";
import type { Project } from "../model/project.js";

/** What a workspace template may contain besides `{number}`: letters, digits, `-` and `_`. */
const TEMPLATE = /^[A-Za-z0-9_-]*\{number\}[A-Za-z0-9_-]*$/;
/** A namespace is a DNS-1123 label: lowercase letters, digits and `-`, starting and ending alphanumeric. */
const NAMESPACE_TEMPLATE = /^([a-z0-9][a-z0-9-]*)?\{number\}([a-z0-9-]*[a-z0-9])?$/;
/** A namespace name's limit; a template leaves room for a pull request number of 9 digits. */
const NAMESPACE_MAX = 63;

/** Whether a preview of this runner lives in a Kubernetes namespace (else a Terraform workspace). */
export const previewsByNamespace = (runner: string) => runner === "helm" || runner === "kustomize";

/** Why a `preview.workspace` template is refused, or undefined when it is fine (config load time). */
export function templateProblem(template: string): string | undefined {
  if (!template.includes("{number}")) return "must contain {number}, so that every pull request gets a workspace of its own";
  if (!TEMPLATE.test(template)) return "may hold only letters, digits, - and _ around one {number} (no paths, no other placeholders)";
  return undefined;
}

/** Why a `preview.namespace` template is refused, or undefined when it is fine (config load time). */
export function namespaceTemplateProblem(template: string): string | undefined {
  if (!template.includes("{number}")) return "must contain {number}, so that every pull request gets a namespace of its own";
  if (!NAMESPACE_TEMPLATE.test(template)) {
    return "must be a Kubernetes namespace name around one {number}: lowercase letters, digits and -, starting and ending with a letter or digit";
  }
  if (template.length - "{number}".length + 9 > NAMESPACE_MAX)
    return `leaves no room for a pull request number (at most ${NAMESPACE_MAX} characters)`;
  return undefined;
}

/**
 * The preview workspace (or, for Helm and Kustomize, namespace) of pull request `pr`, or why
 * there is none: never `default` (nor, the template holding a number, a namespace Kubernetes
 * owns), never one the repository's real projects uses (a preview's state must not mix with production's, and its namespace is
 * deleted with it), never a path. Checked again here because the real ones are known only now.
 */
export function previewWorkspace(
  template: string,
  pr: number,
  realWorkspaces: readonly string[],
  kind: "workspace" | "namespace" = "workspace",
): { ok: true; workspace: string } | { ok: false; reason: string } {
  const problem = kind === "namespace" ? namespaceTemplateProblem(template) : templateProblem(template);
  if (problem) return { ok: false, reason: `\`preview.${kind}\` ${problem}` };
  if (!Number.isSafeInteger(pr) || pr <= 0) return { ok: false, reason: `#${pr} is not a pull request number` };
  const workspace = template.replace("{number}", String(pr));
  if (workspace === "default") return { ok: false, reason: `a preview never uses the \`default\` ${kind}` };
  if (realWorkspaces.includes(workspace)) {
    return { ok: false, reason: `${kind} \`${workspace}\` belongs to a project of this repository, not to a preview` };
  }
  return { ok: true, workspace };
}

/**
 * The preview of another project or pull request of the repository already standing where
 * `wanted` would go: for Terraform the same dir and workspace (one backend, so one state), for
 * Helm and Kustomize the same namespace. Two projects on one dir both keep the default template
 * (`pr-{number}`), or two templates meet (`pr-{number}` of #13 and `pr-1{number}` of #3): a second
 * preview there would write the first one's state, and either's teardown would take both.
 */
export function previewHolding(
  records: readonly PreviewRecord[],
  wanted: Pick<PreviewRecord, "pr" | "project" | "dir" | "workspace" | "runner">,
): PreviewRecord | undefined {
  const byNamespace = previewsByNamespace(wanted.runner);
  return records.find(
    (r) =>
      r.status !== "destroyed" &&
      !(r.pr === wanted.pr && r.project === wanted.project) &&
      r.workspace === wanted.workspace &&
      previewsByNamespace(r.runner) === byNamespace &&
      (byNamespace || r.dir === wanted.dir),
  );
}

/** Whether a standing preview lives elsewhere than where the base branch now puts the project's. */
export function previewMoved(standing: PreviewRecord, project: Project, workspace: string): boolean {
  return standing.workspace !== workspace || standing.dir !== project.dir || standing.runner !== project.runner;
}

/**
 * Every namespace the repository's Helm and Kustomize projects render into (base and head
 * configs): a preview namespace is deleted with its preview, so it may never be one of these.
 */
export function realNamespaces(projects: readonly Project[]): string[] {
  return projects.flatMap((q) =>
    q.runner === "helm" ? [q.helm?.namespace ?? "default"] : q.runner === "kustomize" ? [q.kustomize?.namespace ?? "default"] : [],
  );
}

/**
 * Why a standing preview is not torn down where it lives, or undefined when it may be: the base
 * branch has since given its workspace (or namespace) to a real project, found by that project's
 * trusted place (dir and workspace, or the namespace it renders into), never by a name. A
 * teardown there would destroy that project's state, or delete its namespace.
 */
export function previewPlaceTaken(
  preview: Pick<PreviewRecord, "dir" | "workspace" | "runner">,
  trusted: readonly Project[],
): string | undefined {
  const byNamespace = previewsByNamespace(preview.runner);
  const owner = byNamespace
    ? trusted.find((q) => realNamespaces([q]).includes(preview.workspace))
    : trusted.find((q) => q.dir === preview.dir && q.workspace === preview.workspace && !previewsByNamespace(q.runner));
  if (!owner) return undefined;
  const place = byNamespace ? `namespace \`${preview.workspace}\`` : `workspace \`${preview.workspace}\` of \`${preview.dir}\``;
  const held = byNamespace ? "its objects there" : "its state there";
  return `the base branch now gives the preview's ${place} to its project \`${owner.name}\`, and a teardown there would take ${held} too. The preview stays recorded and is tried again: destroy what it made there by hand, or move \`${owner.name}\` off ${byNamespace ? "that namespace" : "that workspace"} on the base branch`;
}
