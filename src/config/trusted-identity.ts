import picomatch from "picomatch";
import { terraformDirs } from "../../runners/terraform/discover-terraform-projects.js";
import { UNIT_FILE } from "../../runners/terragrunt/discover-terragrunt-units.js";
import { KUSTOMIZATION_FILES } from "../../runners/kustomize/kustomize-settings.js";
import type { Project } from "../model/project.js";
import type { RepoConfig } from "../model/repo-config.js";
import type { BaseProject, TrustedIdentity } from "../model/trusted-identity.js";
import { cleanRepoPath } from "../util/repo-path.js";
import { distinctFrom } from "./discovered-name.js";

const parent = (file: string) => (file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ".");

/** Dirs autodiscovery makes projects of in a commit's file list (each named after its dir). */
function discoveredDirs(files: readonly string[]): Set<string> {
  const dirs = terraformDirs(files);
  for (const raw of files) {
    const file = cleanRepoPath(raw);
    if (file === undefined) continue;
    const base = file.slice(file.lastIndexOf("/") + 1);
    if (base === "Chart.yaml" || base === UNIT_FILE || (KUSTOMIZATION_FILES as readonly string[]).includes(base)) dirs.add(parent(file));
  }
  return dirs;
}

/**
 * The base branch's projects: its config's, plus, where autodiscovery is on, every dir of its
 * file list that autodiscovery makes a project of (named after the dir, told apart from a configured
 * project's name: discovered-name.ts). `files` undefined: the
 * config's projects only (a config whose autodiscovery is off needs no file list).
 */
export function baseProjectsOf(config: RepoConfig | undefined, files: readonly string[] | undefined): BaseProject[] {
  const configured = (config?.projects ?? []).map((p) => ({ name: p.name, dir: p.dir, workspace: p.workspace }));
  const autodiscover = needsBaseFiles(config);
  if (!autodiscover || !files) return configured;
  const claimed = new Set(configured.map((p) => p.dir));
  const ignore = config?.autodiscover?.ignore ?? [];
  const ignored = ignore.length ? picomatch(ignore, { dot: true }) : () => false;
  const found = [...discoveredDirs(files)].filter((d) => !claimed.has(d) && !ignored(d));
  const named = distinctFrom(new Set(configured.map((p) => p.name)), new Set(found));
  return [...configured, ...found.sort().map((dir) => named({ name: dir, dir, workspace: "default" }))];
}

/** Whether the base projects need the base commit's file list (autodiscovery is on there). */
export function needsBaseFiles(config: RepoConfig | undefined): boolean {
  return !config || config.source === "none" || config.autodiscover?.enabled !== false;
}

/**
 * The project's trusted identity: the base branch's project on the same dir and workspace (told
 * apart by name when there are several), else new. The name the PR gives it decides nothing but
 * which of several base projects on one dir and workspace it is.
 */
export function identityOf(
  repo: string,
  base: readonly BaseProject[],
  project: Pick<Project, "name" | "dir" | "workspace">,
  formerRepos: readonly string[] = [],
): TrustedIdentity {
  const { dir, workspace } = project;
  const former = formerRepos.length > 0 ? { formerRepos } : {};
  const here = base.filter((p) => p.dir === dir && p.workspace === workspace);
  const one = here.length === 1 ? here[0] : here.find((p) => p.name === project.name);
  if (one) return { kind: "known", repo, name: one.name, dir, workspace, ...former };
  if (here.length === 0) return { kind: "new", repo, dir, workspace, ...former };
  return { kind: "ambiguous", repo, names: here.map((p) => p.name), dir, workspace, ...former };
}

/**
 * The name a project's applies are recorded under: a known identity's name, whatever the PR calls
 * the project; a new project's own name, told apart (`NAME (new: dir D)`) when a base project
 * already has it, so that its applies never count as that project's.
 */
export function recordName(
  id: TrustedIdentity,
  project: Pick<Project, "name" | "dir" | "workspace">,
  base: readonly Pick<BaseProject, "name">[],
): string {
  if (id.kind === "known") return id.name;
  if (!base.some((p) => p.name === project.name)) return project.name;
  return `${project.name} (new: dir ${project.dir}${project.workspace === "default" ? "" : `, workspace ${project.workspace}`})`;
}

/**
 * The name a project's trusted state count is kept apart by (src/store/live-state-counts.ts): its
 * recorded name where several base projects share its dir and workspace (each its own backend, told
 * apart by name as identityOf tells them), else none: its dir and workspace are the project,
 * whatever a pull request names it.
 */
export function stateCountName(
  base: readonly BaseProject[],
  project: Pick<Project, "dir" | "workspace">,
  recorded: string,
): string | undefined {
  const here = base.filter((p) => p.dir === project.dir && p.workspace === project.workspace);
  return here.length > 1 ? recorded : undefined;
}

/** How comments, `config explain` and the audit name an identity. */
export function describeIdentity(id: TrustedIdentity): string {
  if (id.kind === "known") return `${id.repo}:${id.name}`;
  const where = `dir \`${id.dir}\`${id.workspace === "default" ? "" : ` workspace \`${id.workspace}\``}`;
  if (id.kind === "new") return `${id.repo}: a new project (${where}, not on the base branch)`;
  return `${id.repo}: ${where}, which the base branch has as ${id.names.map((n) => `\`${n}\``).join(", ")}`;
}

/** Why nothing runs for an ambiguous identity, to show the user. */
export function ambiguousReason(id: Extract<TrustedIdentity, { kind: "ambiguous" }>): string {
  return `the base branch has several projects on dir \`${id.dir}\` and workspace \`${id.workspace}\` (${id.names.map((n) => `\`${n}\``).join(", ")}), and this pull request's config names none of them; which one it is cannot be told, so nothing runs for it. Name it as one of them, or give it its own dir or workspace.`;
}

/** `REPO_GLOB[:PROJECT_GLOB]` split; no project side: undefined. */
export function splitMatch(match: string): { repo: string; project?: string } {
  const colon = match.indexOf(":");
  return colon < 0 ? { repo: match } : { repo: match.slice(0, colon), project: match.slice(colon + 1) };
}

/** The repository side of a rule: a glob over `OWNER/REPO`, case-insensitive as GitHub's names are. */
export function repoGlobMatches(glob: string, repo: string): boolean {
  return picomatch(glob, { nocase: true, dot: true })(repo);
}

/**
 * Whether a `REPO_GLOB[:PROJECT_GLOB]` rule covers a project known by its trusted identity.
 *
 * A rule without a project side covers every project of the repositories it matches, nested
 * dirs and new projects included. A project side matches a known identity's name only:
 * - `restrict` (permissions, windows, freezes, network fences): an ambiguous identity is covered
 *   when any of its base names is, since covering more only restricts more;
 * - `grant` (credentials): never a new or ambiguous identity.
 */
export function ruleCovers(match: string, id: TrustedIdentity, mode: "restrict" | "grant"): boolean {
  const side = splitMatch(match);
  // Restricting, a rule that names the repository by a former name holds it still; granting, never.
  const names = mode === "restrict" ? [id.repo, ...(id.formerRepos ?? [])] : [id.repo];
  if (!names.some((name) => repoGlobMatches(side.repo, name))) return false;
  if (side.project === undefined) return mode === "restrict" || id.kind === "known";
  const named = picomatch(side.project, { dot: true });
  if (id.kind === "known") return named(id.name);
  return mode === "restrict" && id.kind === "ambiguous" && id.names.some((n) => named(n));
}
