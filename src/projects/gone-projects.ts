import type { Project } from "../model/project.js";
import type { BaseProject } from "../model/trusted-identity.js";
import { inlineCode } from "../render/inline.js";

/**
 * The base branch's projects a pull request deletes: no project of its head is at their dir and
 * workspace any more, and files it deletes are in that dir (a base branch that gained a project
 * after the pull request branched off is not one it deletes). Nothing of them is planned or
 * applied: after the merge their infrastructure stays up, unmanaged by Sluice.
 */
export function goneProjects(
  base: readonly BaseProject[],
  head: readonly Pick<Project, "dir" | "workspace">[],
  checkout: { files: readonly string[]; changedFiles: readonly string[] },
): BaseProject[] {
  const kept = new Set(checkout.files);
  const deleted = checkout.changedFiles.filter((f) => !kept.has(f));
  if (deleted.length === 0) return [];
  const inDir = (file: string, dir: string) => dir === "." || file.startsWith(`${dir}/`);
  return base.filter((b) => !head.some((p) => p.dir === b.dir && p.workspace === b.workspace) && deleted.some((f) => inDir(f, b.dir)));
}

const named = (gone: readonly BaseProject[]) =>
  gone.map((g) => `${inlineCode(g.name)} (dir ${inlineCode(g.dir)}, workspace ${inlineCode(g.workspace)})`).join(", ");

/** What the plan comment says of them: what happens at merge, and how to tear them down instead. */
export function goneNote(gone: readonly BaseProject[]): string | undefined {
  if (gone.length === 0) return undefined;
  const one = gone[0] as BaseProject;
  return `⚠️ This pull request deletes ${gone.length === 1 ? "the project" : "the projects"} ${named(gone)}: nothing of ${gone.length === 1 ? "it" : "them"} is planned or applied, and after the merge ${gone.length === 1 ? "its" : "their"} resources stay up, unmanaged by Sluice (no plan, no drift check). To tear them down, first apply a destroy plan from a pull request that keeps the code (\`/plan -p ${one.name} -- -destroy\`, where \`allow_destroy\` lets it), then delete it.`;
}

/** What the merge's apply says of them: it applied nothing there, and their resources are still up unless a destroy plan took them down first. */
export function goneAtMergeNote(gone: readonly BaseProject[]): string | undefined {
  if (gone.length === 0) return undefined;
  return `⚠️ This pull request deleted ${gone.length === 1 ? "the project" : "the projects"} ${named(gone)}: nothing of ${gone.length === 1 ? "it" : "them"} was applied at merge, and ${gone.length === 1 ? "its" : "their"} resources stay up, unmanaged by Sluice, unless a destroy plan took them down before. Check ${gone.length === 1 ? "its" : "their"} state; to tear ${gone.length === 1 ? "it" : "them"} down now, restore the code in a pull request and apply \`/plan -- -destroy\` there.`;
}
