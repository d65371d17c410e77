import { ATLANTIS_FILE, ATLANTIS_YML, SLUICE_FILE } from "../config/repo/load-repo-config.js";
import type { Project } from "../model/project.js";
import type { BaseProject } from "../model/trusted-identity.js";
import { inlineCode } from "../render/inline.js";

/**
 * A base branch's project the pull request's head no longer has: `deleted`, its dir's files
 * deleted; `unlisted`, its code kept but the repo config (`.sluice.yaml`, `atlantis.yaml`) the
 * pull request changed no longer makes it a project; `absorbed`, its code kept but autodiscovery
 * now plans it through another project (a module, subchart or base the pull request made it).
 */
export type GoneProject = BaseProject & { how: "deleted" | "unlisted" | "absorbed" };

/**
 * The base branch's projects a pull request takes away: no project of its head is at their dir
 * and workspace any more, and files it deletes are in that dir, or it changed the repo config and
 * their dir still holds files, or it made their dir part of another project (`absorbed`). Nothing
 * of them is planned or applied: after the merge their infrastructure stays up, unmanaged by
 * Sluice. Candidates only: gone-of-checkout.ts keeps those that were projects where the pull
 * request branched off (not a module's dir, nor a project the base gained since).
 */
export function goneProjects(
  base: readonly BaseProject[],
  head: readonly Pick<Project, "dir" | "workspace">[],
  checkout: { files: readonly string[]; changedFiles: readonly string[] },
  /** Sluice's own config file on this server (`repo_config_file`); Atlantis' two names are read too. */
  sluiceFile = SLUICE_FILE,
  /** Dirs the change made part of another project at the head (absorbed-dirs.ts). */
  absorbed: ReadonlySet<string> = new Set(),
): GoneProject[] {
  const kept = new Set(checkout.files);
  const deleted = checkout.changedFiles.filter((f) => !kept.has(f));
  const configFiles = [sluiceFile, ATLANTIS_FILE, ATLANTIS_YML];
  const configChanged = checkout.changedFiles.some((f) => configFiles.includes(f));
  if (deleted.length === 0 && !configChanged && absorbed.size === 0) return [];
  const inDir = (file: string, dir: string) => dir === "." || file.startsWith(`${dir}/`);
  const gone: GoneProject[] = [];
  for (const b of base) {
    if (head.some((p) => p.dir === b.dir && p.workspace === b.workspace)) continue;
    if (deleted.some((f) => inDir(f, b.dir))) gone.push({ ...b, how: "deleted" });
    else if (configChanged && checkout.files.some((f) => inDir(f, b.dir))) gone.push({ ...b, how: "unlisted" });
    else if (absorbed.has(b.dir)) gone.push({ ...b, how: "absorbed" });
  }
  return gone;
}

const named = (gone: readonly BaseProject[]) =>
  gone.map((g) => `${inlineCode(g.name)} (dir ${inlineCode(g.dir)}, workspace ${inlineCode(g.workspace)})`).join(", ");
const projects = (gone: readonly BaseProject[]) => (gone.length === 1 ? "the project" : "the projects");
const itOr = (gone: readonly BaseProject[], one: string, many: string) => (gone.length === 1 ? one : many);

/** What the plan comment says of them: what happens at merge, and how to tear them down instead. */
export function goneNote(gone: readonly GoneProject[]): string | undefined {
  const deleted = gone.filter((g) => g.how === "deleted");
  const unlisted = gone.filter((g) => g.how === "unlisted");
  const notes: string[] = [];
  if (deleted.length > 0) {
    const one = deleted[0] as BaseProject;
    notes.push(
      `⚠️ This pull request deletes ${projects(deleted)} ${named(deleted)}: nothing of ${itOr(deleted, "it", "them")} is planned or applied, and after the merge ${itOr(deleted, "its", "their")} resources stay up, unmanaged by Sluice (no plan, no drift check). To tear them down, first apply a destroy plan from a pull request that keeps the code (\`/plan -p ${one.name} -- -destroy\`, where \`allow_destroy\` lets it), then delete it.`,
    );
  }
  if (unlisted.length > 0) {
    const one = unlisted[0] as BaseProject;
    notes.push(
      `⚠️ This pull request's repo config no longer makes ${projects(unlisted)} ${named(unlisted)} a project, though ${itOr(unlisted, "its", "their")} code stays: nothing of ${itOr(unlisted, "it", "them")} is planned or applied, and after the merge ${itOr(unlisted, "its", "their")} resources stay up, unmanaged by Sluice (no plan, no drift check). To tear them down, first apply a destroy plan from a pull request that keeps the project (\`/plan -p ${one.name} -- -destroy\`, where \`allow_destroy\` lets it); to keep managing them, list the project again.`,
    );
  }
  const absorbed = gone.filter((g) => g.how === "absorbed");
  if (absorbed.length > 0) {
    notes.push(
      `⚠️ This pull request makes ${projects(absorbed)} ${named(absorbed)} a part of another project (a module, subchart or base it uses), no longer ${itOr(absorbed, "a project", "projects")} of ${itOr(absorbed, "its", "their")} own: nothing of ${itOr(absorbed, "it", "them")} is planned or applied on ${itOr(absorbed, "its", "their")} own, and after the merge the resources ${itOr(absorbed, "its", "their")} state holds stay up, unmanaged by Sluice (no plan, no drift check), while the project using ${itOr(absorbed, "it", "them")} plans ${itOr(absorbed, "its", "their")} code anew in its own state.`,
    );
  }
  return notes.length ? notes.join("\n") : undefined;
}

/** What the merge's apply says of them: it applied nothing there, and their resources are still up unless a destroy plan took them down first. */
export function goneAtMergeNote(gone: readonly GoneProject[]): string | undefined {
  if (gone.length === 0) return undefined;
  const deleted = gone.filter((g) => g.how === "deleted");
  const unlisted = gone.filter((g) => g.how === "unlisted");
  const notes: string[] = [];
  if (deleted.length > 0)
    notes.push(
      `⚠️ This pull request deleted ${projects(deleted)} ${named(deleted)}: nothing of ${itOr(deleted, "it", "them")} was applied at merge, and ${itOr(deleted, "its", "their")} resources stay up, unmanaged by Sluice, unless a destroy plan took them down before. Check ${itOr(deleted, "its", "their")} state; to tear ${itOr(deleted, "it", "them")} down now, restore the code in a pull request and apply \`/plan -- -destroy\` there.`,
    );
  if (unlisted.length > 0)
    notes.push(
      `⚠️ This pull request's repo config no longer makes ${projects(unlisted)} ${named(unlisted)} a project: nothing of ${itOr(unlisted, "it", "them")} was applied at merge, and ${itOr(unlisted, "its", "their")} resources stay up, unmanaged by Sluice, unless a destroy plan took them down before. To manage ${itOr(unlisted, "it", "them")} again, list ${itOr(unlisted, "it", "them")} in the repo config; to tear ${itOr(unlisted, "it", "them")} down, list ${itOr(unlisted, "it", "them")} again and apply \`/plan -- -destroy\` there.`,
    );
  const absorbed = gone.filter((g) => g.how === "absorbed");
  if (absorbed.length > 0)
    notes.push(
      `⚠️ This pull request made ${projects(absorbed)} ${named(absorbed)} a part of another project: nothing of ${itOr(absorbed, "it", "them")} was applied on ${itOr(absorbed, "its", "their")} own at merge, and the resources ${itOr(absorbed, "its", "their")} state holds stay up, unmanaged by Sluice, unless a destroy plan took them down before. Check ${itOr(absorbed, "its", "their")} state.`,
    );
  return notes.join("\n");
}
