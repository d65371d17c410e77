import type { ProjectConfig, RepoConfig, Requirement } from "../../model/repo-config.js";
import type { AtlantisConfigInput, AtlantisProjectInput } from "./atlantis-schema.js";
import { normalizeAtlantisWorkflows, scalarText, unknownKey } from "./atlantis-workflows.js";
import { checkProjects, type PlacedProject } from "./check-projects.js";
import { type KeyPath, showValue } from "./format-path.js";
import { readInputRefs } from "./input-refs.js";
import type { NormalizeContext } from "./normalize-context.js";
import { checkIgnorePaths, checkProjectName, checkWorkspace, cleanProjectDir, projectCore, warnVersion } from "./project-fields.js";
import { errorMessage } from "../../util/errors.js";

export const TOP_SUPPORTED = new Set([
  "version",
  "projects",
  "workflows",
  "automerge",
  "parallel_plan",
  "parallel_apply",
  "autodiscover",
  "abort_on_execution_order_fail",
]);
export const TOP_UNSUPPORTED = new Set(["delete_source_branch_on_merge", "allowed_regexp_prefixes"]);
export const PROJECT_SUPPORTED = new Set([
  "name",
  "dir",
  "workspace",
  "terraform_version",
  "terraform_distribution",
  "autoplan",
  "apply_requirements",
  "depends_on",
  "execution_order_group",
  "workflow",
  "branch",
  // Sluice's own: a Terraform variable from another project's output.
  "inputs_from",
]);
export const PROJECT_UNSUPPORTED = new Set([
  "repo_locking",
  "repo_locks",
  "plan_requirements",
  "import_requirements",
  "delete_source_branch_on_merge",
  "silence_pr_comments",
  "custom_policy_check",
  "policy_check",
]);
const REQUIREMENTS: ReadonlySet<string> = new Set<Requirement>(["approved", "mergeable", "undiverged", "code_owners", "verified_commits"]);

/**
 * The second stage for atlantis.yaml: Atlantis' meaning, Sluice's model. Keys Sluice does not act
 * on become warnings (Atlantis itself would reject unknown keys; Sluice is lenient but says so);
 * anything unsafe or ambiguous (paths, workspaces, names, the project graph) is an error as in
 * `.sluice.yaml`.
 */
export function normalizeAtlantisConfig(input: AtlantisConfigInput, raw: Record<string, unknown>, ctx: NormalizeContext): RepoConfig {
  warnKeys(raw, [], TOP_SUPPORTED, TOP_UNSUPPORTED, ctx);
  const workflows = normalizeAtlantisWorkflows(input.workflows, ctx);
  const rawProjects = Array.isArray(raw.projects) ? raw.projects : [];
  const placed: PlacedProject[] = [];
  (input.projects ?? []).forEach((project, i) => {
    const path = ["projects", i];
    const rawProject = rawProjects[i];
    if (isRecord(rawProject)) warnKeys(rawProject, path, PROJECT_SUPPORTED, PROJECT_UNSUPPORTED, ctx);
    const normalized = normalizeProject(project, path, workflows, ctx);
    if (normalized !== undefined) {
      placed.push({ project: normalized, path, named: project.name !== null && project.name !== undefined });
    }
  });
  checkProjects(placed, ctx, workflows, { atlantis: true });

  const autodiscover = input.autodiscover;
  if (isRecord(raw.autodiscover)) {
    warnKeys(raw.autodiscover, ["autodiscover"], new Set(["mode", "ignore_paths"]), new Set(), ctx);
  }
  const mode = autodiscover?.mode ?? "auto";
  const ignore = texts(autodiscover?.ignore_paths, ["autodiscover", "ignore_paths"], ctx);
  return {
    source: "atlantis.yaml",
    projects: placed.map((p) => p.project),
    autodiscover: {
      enabled: mode === "enabled" || (mode === "auto" && (input.projects ?? []).length === 0),
      ignore: checkIgnorePaths(ignore, ["autodiscover", "ignore_paths"], ctx),
    },
    parallelPlan: input.parallel_plan ?? false,
    parallelApply: input.parallel_apply ?? false,
    ...(input.abort_on_execution_order_fail ? { abortOnExecutionOrderFail: true } : {}),
    automerge: input.automerge ?? false,
    applyOn: "comment",
    approvals: 1,
    workflows,
    warnings: ctx.warnings(),
    ...(input.automerge === null || input.automerge === undefined ? {} : { setKeys: ["automerge" as const] }),
  };
}

function normalizeProject(
  raw: AtlantisProjectInput,
  path: KeyPath,
  workflows: RepoConfig["workflows"],
  ctx: NormalizeContext,
): ProjectConfig | undefined {
  const text = (key: keyof AtlantisProjectInput) => {
    const value = raw[key];
    return value === null || value === undefined ? undefined : scalarText(value, [...path, key], ctx);
  };
  // Atlantis cleans `"./" + dir`: a leading `/` means the repo root, not the server's.
  const rawDir = (text("dir") ?? "").replace(/^\/+(?=.)/, "");
  const dir = cleanProjectDir(rawDir, [...path, "dir"], ctx);
  const branch = text("branch");
  const workspace = checkWorkspace(text("workspace") ?? "default", [...path, "workspace"], ctx);
  const rawName = text("name");
  const name = rawName === undefined || rawName === "" ? undefined : checkProjectName(rawName, [...path, "name"], ctx);
  if (dir === undefined || workspace === undefined) return undefined;
  if (rawName !== undefined && rawName !== "" && name === undefined) return undefined;

  const runner = raw.terraform_distribution === "opentofu" ? "opentofu" : "terraform";
  const project: ProjectConfig = projectCore(
    {
      name,
      dir,
      workspace,
      runner,
      autoplanEnabled: raw.autoplan?.enabled ?? undefined,
      whenModified:
        raw.autoplan?.when_modified === null || raw.autoplan?.when_modified === undefined
          ? undefined
          : texts(raw.autoplan.when_modified, [...path, "autoplan", "when_modified"], ctx),
      dependsOn: () => texts(raw.depends_on, [...path, "depends_on"], ctx),
      executionOrderGroup: raw.execution_order_group ?? undefined,
      atlantis: true,
    },
    path,
    ctx,
  );
  Object.assign(project, readInputRefs({ inputs_from: raw.inputs_from ?? undefined }, runner, path, ctx));
  if (branch !== undefined) {
    const regex = branchRegex(branch);
    if (typeof regex === "string") ctx.error([...path, "branch"], regex);
    else project.branch = branch;
  }
  if (isRecord(raw.autoplan)) {
    warnKeys(raw.autoplan, [...path, "autoplan"], new Set(["enabled", "when_modified"]), new Set(), ctx);
  }

  if (raw.apply_requirements !== null && raw.apply_requirements !== undefined) {
    const requirements: Requirement[] = [];
    texts(raw.apply_requirements, [...path, "apply_requirements"], ctx).forEach((req, i) => {
      if (REQUIREMENTS.has(req)) {
        if (!requirements.includes(req as Requirement)) requirements.push(req as Requirement);
      } else if (req === "policies_passed") {
        // Atlantis' own, and what Sluice's policy checks always require: nothing is lost.
        ctx.unsupported([...path, "apply_requirements", i], `requirement ${req}`);
      } else {
        // Dropped, a typo (`aproved`) would leave the project no requirement at all where the
        // server lets the repo override its own: Atlantis refuses the file, and so does Sluice.
        ctx.error(
          [...path, "apply_requirements", i],
          `unknown apply requirement ${showValue(req)}; expected ${[...REQUIREMENTS].join(", ")} or policies_passed`,
        );
      }
    });
    project.applyRequirements = requirements;
  }

  const workflow = text("workflow");
  // `default` is Atlantis' own; any other name the file does not define may be a server workflow
  // (repos.yaml's): the server config resolves it, or the plan says why it cannot run.
  if (workflow !== undefined && workflow !== "" && (workflow !== "default" || Object.hasOwn(workflows, workflow))) {
    project.workflow = workflow;
  }
  const version = text("terraform_version");
  if (version !== undefined && version !== "") {
    project.terraformVersion = version;
    warnVersion(path, version, ctx);
  }
  return project;
}

/**
 * Atlantis' `branch`: a regex between slashes (`/^main$/`), matched anywhere in the base branch
 * name unless anchored. Go's inline `(?i)` flag becomes JavaScript's `i`.
 */
export function branchRegex(text: string): RegExp | string {
  if (text.length < 2 || !text.startsWith("/") || !text.endsWith("/"))
    return `must be a regex that begins and ends with a slash \`/\`, got ${showValue(text)}`;
  const body = text.slice(1, -1);
  const insensitive = body.startsWith("(?i)");
  try {
    return new RegExp(insensitive ? body.slice(4) : body, insensitive ? "i" : "");
  } catch (e) {
    return `is not a valid regex (${errorMessage(e)}), got ${showValue(text)}`;
  }
}

function warnKeys(
  raw: Record<string, unknown>,
  path: KeyPath,
  supported: ReadonlySet<string>,
  unsupported: ReadonlySet<string>,
  ctx: NormalizeContext,
): void {
  for (const key of Object.keys(raw)) {
    if (supported.has(key)) continue;
    if (unsupported.has(key)) ctx.unsupported([...path, key]);
    else unknownKey(ctx, [...path, key]);
  }
}

function texts(values: readonly unknown[] | null | undefined, path: KeyPath, ctx: NormalizeContext): string[] {
  return (values ?? []).map((v, i) => scalarText(v, [...path, i], ctx) ?? "");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
