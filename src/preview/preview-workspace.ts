/** What a workspace template may contain besides `{number}`: letters, digits, `-` and `_`. */
const TEMPLATE = /^[A-Za-z0-9_-]*\{number\}[A-Za-z0-9_-]*$/;

/** Why a `preview.workspace` template is refused, or undefined when it is fine (config load time). */
export function templateProblem(template: string): string | undefined {
  if (!template.includes("{number}")) return "must contain {number}, so that every pull request gets a workspace of its own";
  if (!TEMPLATE.test(template)) return "may hold only letters, digits, - and _ around one {number} (no paths, no other placeholders)";
  return undefined;
}

/**
 * The preview workspace of pull request `pr`, or why there is none: never `default`, never a
 * workspace one of the repository's real projects uses (a preview's state must not mix with
 * production's), never a path. Checked again here because the real workspaces are known only now.
 */
export function previewWorkspace(
  template: string,
  pr: number,
  realWorkspaces: readonly string[],
): { ok: true; workspace: string } | { ok: false; reason: string } {
  const problem = templateProblem(template);
  if (problem) return { ok: false, reason: `\`preview.workspace\` ${problem}` };
  if (!Number.isSafeInteger(pr) || pr <= 0) return { ok: false, reason: `#${pr} is not a pull request number` };
  const workspace = template.replace("{number}", String(pr));
  if (workspace === "default") return { ok: false, reason: "a preview never uses the `default` workspace" };
  if (realWorkspaces.includes(workspace)) {
    return { ok: false, reason: `workspace \`${workspace}\` belongs to a project of this repository, not to a preview` };
  }
  return { ok: true, workspace };
}
