/** A `when_modified` glob made relative to the repo root; `exclude` for a leading `!`. */
export interface ResolvedPattern {
  exclude: boolean;
  /** Clean, repo-relative, `.` for the root itself. */
  glob: string;
}

export type ResolvePatternResult = { ok: true; pattern: ResolvedPattern } | { ok: false; reason: string };

/** A segment holding any of these is a glob; the others are compared as plain names. */
export const GLOB_CHARS = /[*?[\]{}()]/;
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
export const RELATIVE_TO_DIR = "must be relative to the project dir";

/**
 * Atlantis semantics: `when_modified` globs are relative to the project dir, so `../modules/**`
 * from `envs/prod` means `envs/modules/**`. The join is lexical; a `..` after a glob segment has no
 * lexical meaning and is refused, as is climbing above the repository root.
 */
export function resolvePattern(dir: string, raw: string): ResolvePatternResult {
  let pattern = raw.trim();
  const exclude = pattern.startsWith("!");
  if (exclude) pattern = pattern.slice(1).trim();
  if (pattern === "") return { ok: false, reason: "must not be empty" };
  if (CONTROL.test(pattern)) return { ok: false, reason: "must not contain control characters" };
  if (pattern.includes("\\")) return { ok: false, reason: "must use forward slashes, not backslashes" };
  if (pattern.startsWith("/")) return { ok: false, reason: RELATIVE_TO_DIR };

  const out = dir === "." ? [] : dir.split("/");
  for (const segment of pattern.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") {
      out.push(segment);
      continue;
    }
    const last = out.pop();
    if (last === undefined) return { ok: false, reason: "climbs out of the repository" };
    if (GLOB_CHARS.test(last)) return { ok: false, reason: "`..` may only follow plain directory names" };
  }
  return { ok: true, pattern: { exclude, glob: out.length === 0 ? "." : out.join("/") } };
}
