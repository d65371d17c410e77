import { markdownCode } from "./markdown-code.js";
import { normalizeRelativePath } from "./normalize-relative-path.js";

export type FilterKey = "project" | "dir" | "workspace";
export type FilterValueResult = { ok: true; value: string } | { ok: false; reason: string };

export const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
export const WORKSPACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,89}$/;

/** Checks the value of `-p`, `-d` or `-w`; dirs come back normalized (`./a//b/` -> `a/b`). */
export function validateFilterValue(key: FilterKey, raw: string): FilterValueResult {
  if (key === "project") {
    if (PROJECT_NAME.test(raw)) return { ok: true, value: raw };
    return {
      ok: false,
      reason: `invalid project name ${markdownCode(raw)}: use letters, digits, \`.\`, \`_\`, \`-\` and \`/\`, start with a letter or digit, at most 128 characters`,
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
    reason: `invalid workspace ${markdownCode(raw)}: use letters, digits, \`_\`, \`.\` and \`-\` (no \`..\`), start with a letter, digit or \`_\`, at most 90 characters`,
  };
}
