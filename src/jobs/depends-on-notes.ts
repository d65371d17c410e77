import type { Project } from "../model/project.js";
import type { RepoConfig } from "../model/repo-config.js";

/**
 * `depends_on` as Atlantis means it: the plans above ran regardless; the comment says which
 * applies wait for which.
 */
export function dependsOnNotes(config: RepoConfig, projects: readonly Project[]): string[] {
  const byName = new Map(config.projects.map((p) => [p.name, p]));
  return projects.flatMap((p) => {
    const deps = byName.get(p.name)?.dependsOn ?? [];
    if (deps.length === 0) return [];
    const list = deps.map((d) => `\`${d}\``).join(", ");
    return [
      `\`${p.name}\` depends on ${list}: it is applied after ${deps.length === 1 ? "it" : "them"}, and not when ${deps.length === 1 ? "its" : "their"} apply fails (depends_on gates the apply only; this plan ran regardless).`,
    ];
  });
}
