import type { Project } from "../model/project.js";
import { cleanRepoPath, compareStrings } from "../util/repo-path.js";

const MAX_PROJECTS = 50;
const MAX_UNREAD = 20;

/**
 * The answer to `/plan --why`: a first line, then one block per project with its why-lines, then
 * the changed files no planned project reads. Plain text (the comment shows it as a code block).
 */
export function explainWhy(projects: readonly Project[], changedFiles: readonly string[]): string {
  const head =
    projects.length === 0
      ? "No project is affected by the changes in this pull request (`/plan --why`: nothing was planned)."
      : `${projects.length === 1 ? "1 project" : `${projects.length} projects`} would be planned, for these reasons (\`/plan --why\`: nothing was planned; comment \`/plan\` to plan them):`;
  const lines: string[] = [];
  for (const p of projects.slice(0, MAX_PROJECTS)) {
    lines.push(`${p.name} (${p.dir}, workspace ${p.workspace})`);
    const why = p.why ?? [];
    if (why.length === 0) lines.push("  why: selected by the command, not by a change of this pull request");
    for (const reason of why) lines.push(`  why: ${reason.replaceAll("`", "")}`);
  }
  if (projects.length > MAX_PROJECTS) lines.push(`… and ${projects.length - MAX_PROJECTS} more projects`);
  const mentioned = projects.flatMap((p) => p.why ?? []).join("\n");
  const unread = [...new Set(changedFiles.map(cleanRepoPath).filter((f): f is string => f !== undefined && f !== "."))]
    .filter((f) => !mentioned.includes(`\`${f}\``))
    .sort(compareStrings);
  if (unread.length > 0) {
    lines.push("", `Changed files that plan no project${unread.length > MAX_UNREAD ? ` (first ${MAX_UNREAD} of ${unread.length})` : ""}:`);
    for (const f of unread.slice(0, MAX_UNREAD)) lines.push(`  ${f}`);
  }
  return lines.length === 0 ? head : `${head}\n${lines.join("\n")}`;
}
