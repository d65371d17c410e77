import { markdownCode } from "./markdown-code.js";
import { normalizeRelativePath } from "./normalize-relative-path.js";

export type FilterKey = "project" | "dir" | "workspace";
export type FilterValueResult = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Atlantis' rule: URL-safe characters (letters, digits, `_`, `.`, `~`, `-`) and `/`, so `_shared`
 * is a name; not starting with `-` (it would read as a flag) or `/`.
 */
export const PROJECT_NAME = /^[A-Za-z0-9_.~][A-Za-z0-9._~/-]{0,127}$/;
/**
 * Atlantis' rule (`ValidateWorkspaceName`): no `/`, `\`, `..`, `$`, whitespace or control
 * character, not `.`, not starting with `-` or `~` (so `prod:eu-west-1` is a workspace); at most
 * 90 characters. Workspaces reach argv and paths only as whole arguments and hashed slugs.
 */
export const WORKSPACE_NAME = /^(?![-~])(?!\.$)(?!.*\.\.)[^\s/\\$\p{C}]{1,90}$/u;

/** Checks the value of `-p`, `-d` or `-w`; dirs come back normalized (`./a//b/` -> `a/b`). */
export function validateFilterValue(key: FilterKey, raw: string): FilterValueResult {
  if (key === "project") {
    if (PROJECT_NAME.test(raw)) return { ok: true, value: raw };
    return {
      ok: false,
      reason: `invalid project name ${markdownCode(raw)}: use letters, digits, \`.\`, \`_\`, \`~\`, \`-\` and \`/\`, not starting with \`-\` or \`/\`, at most 128 characters`,
    };
  }
  if (key === "dir") {
    const path = normalizeRelativePath(raw);
    if (path.ok) return { ok: true, value: path.path };
    return { ok: false, reason: `invalid dir ${markdownCode(raw)}: ${path.reason}` };
  }
  if (WORKSPACE_NAME.test(raw) && !raw.includes("..")) return { ok: true, value: raw };
  return {
    ok: false,
    reason: `invalid workspace ${markdownCode(raw)}: no \`/\`, \`\\\`, \`..\`, \`$\`, spaces or control characters, not starting with \`-\` or \`~\`, at most 90 characters`,
  };
}
