export type RelativePathResult = { ok: true; path: string } | { ok: false; reason: string };

const MAX_LENGTH = 1024;
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;

/**
 * Checks and normalizes a repo-relative POSIX path given by a user (`-d`, `-var-file`):
 * `./a//b/` -> `a/b`, `.` and `./` -> `.`. The reason completes "invalid dir `x`: …".
 * This is a first line of defence on text; paths are resolved again (realpath) inside the checkout.
 */
export function normalizeRelativePath(raw: string): RelativePathResult {
  if (raw === "") return { ok: false, reason: "it is empty" };
  if (raw.length > MAX_LENGTH) return { ok: false, reason: `it is longer than ${MAX_LENGTH} characters` };
  if (CONTROL.test(raw)) return { ok: false, reason: "it contains a control or invisible character" };
  if (raw.startsWith("/")) return { ok: false, reason: "it must be relative to the repository root" };
  if (raw.includes("\\")) return { ok: false, reason: "it must not contain backslashes" };
  // %2e%2e and friends: nothing downstream decodes URLs, but refusing them removes the question.
  if (raw.includes("%")) return { ok: false, reason: "it must not contain `%`" };
  if (raw.includes("~")) return { ok: false, reason: "it must not contain `~`" };
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return { ok: false, reason: "it must not contain `..`" };
  const path = segments.length === 0 ? "." : segments.join("/");
  // Checked after normalizing so `./-rf` cannot sneak a leading dash past the check.
  if (path.startsWith("-")) return { ok: false, reason: "it must not start with `-`" };
  return { ok: true, path };
}
