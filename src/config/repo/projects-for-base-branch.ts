import type { RepoConfig } from "../../model/repo-config.js";
import { branchRegex } from "./normalize-atlantis-config.js";

export type BaseBranchResult = { ok: true; config: RepoConfig } | { ok: false; errors: string[] };

/**
 * Atlantis' `branch`: of the projects with one, only those whose regex matches the pull
 * request's base branch exist for it; projects without one always do. Two projects left with one
 * name (each meant for other branches, both matching this one) are an error, as in Atlantis.
 */
export function projectsForBaseBranch(config: RepoConfig, baseBranch: string): BaseBranchResult {
  if (!config.projects.some((p) => p.branch !== undefined)) return { ok: true, config };
  const projects = config.projects.filter((p) => {
    if (p.branch === undefined) return true;
    const regex = branchRegex(p.branch);
    return typeof regex !== "string" && regex.test(baseBranch);
  });
  const seen = new Set<string>();
  const errors: string[] = [];
  for (const p of projects) {
    if (seen.has(p.name))
      errors.push(
        `projects: two projects named ${p.name} apply to the base branch ${baseBranch}; make their \`branch\` regexes exclusive or name them apart`,
      );
    seen.add(p.name);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { ...config, projects } };
}
