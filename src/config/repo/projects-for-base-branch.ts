import type { RepoConfig } from "../../model/repo-config.js";
import { branchRegex } from "./normalize-atlantis-config.js";
import { withinTime } from "../../util/within-time.js";

/** Far more than any real `branch` regex takes against a branch name (microseconds). */
const MATCH_MS = 1000;

export type BaseBranchResult = { ok: true; config: RepoConfig } | { ok: false; errors: string[] };

/**
 * Atlantis' `branch`: of the projects with one, only those whose regex matches the pull
 * request's base branch exist for it; projects without one always do. Two projects left with one
 * name (each meant for other branches, both matching this one) are an error, as in Atlantis.
 */
export function projectsForBaseBranch(config: RepoConfig, baseBranch: string): BaseBranchResult {
  if (!config.projects.some((p) => p.branch !== undefined)) return { ok: true, config };
  const errors: string[] = [];
  const projects = config.projects.filter((p, i) => {
    if (p.branch === undefined) return true;
    const regex = branchRegex(p.branch);
    if (typeof regex === "string") return false;
    // The PR's own config writes the regex: a JavaScript one can backtrack for ever where Go's,
    // which Atlantis matches with, takes linear time.
    const matched = withinTime(() => regex.test(baseBranch), MATCH_MS)?.value;
    if (matched === undefined)
      errors.push(
        `projects[${i}].branch: the regex ${p.branch} took longer than ${MATCH_MS / 1000} s to match the base branch \`${baseBranch}\`; Atlantis (Go's regexp) matches in linear time: write it without nested or long counted repetition`,
      );
    return matched === true;
  });
  if (errors.length > 0) return { ok: false, errors };
  const seen = new Set<string>();
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
