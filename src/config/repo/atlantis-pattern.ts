import { linearRegExp } from "../../util/linear-regexp.js";

/**
 * One `when_modified` pattern as Atlantis matches it: joined to the project dir with Go's
 * `filepath.Join` (lexical, so `../modules/**` from `envs/prod` is `envs/modules/**`, and a pattern
 * climbing above the root stays `../…` and never matches a repo path), then compiled by moby's
 * patternmatcher (the `.dockerignore` rules Atlantis uses): `*` and `?` stop at `/`, `**` spans
 * dirs, `[…]` is a class, `\` escapes the next character, `{}` `()` `|` `+` `$` `.` are literal,
 * and a path matches when it or one of its parent dirs matches.
 */
export interface AtlantisPattern {
  exclude: boolean;
  /** The joined, cleaned pattern (without `!`), as Atlantis' debug log shows it. */
  text: string;
  /** Every path this pattern (or a parent dir of it) can match starts with this. */
  literalPrefix: string;
  /** The path itself matches (no parent dirs). */
  matchesExactly(path: string): boolean;
}

export type CompiledPattern = { ok: true; pattern: AtlantisPattern } | { ok: false; reason: string };

/** Go's `path.Clean`: lexical, keeps leading `..` of a relative path, `""` -> `.`. */
export function goClean(path: string): string {
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (segment === ".." && rooted) continue;
    else out.push(segment);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** Go's `filepath.Join` of two elements (empty ones are skipped; a second absolute one is not special). */
export function goJoin(a: string, b: string): string {
  if (a === "" && b === "") return "";
  if (a === "") return goClean(b);
  if (b === "") return goClean(a);
  return goClean(`${a}/${b}`);
}

/** Atlantis' joining of a raw `when_modified` entry to its project dir, then moby's compile. */
export function compileWhenModified(dir: string, raw: string): CompiledPattern | undefined {
  let wm = raw.trim();
  let exclude = false;
  if (wm.startsWith("!")) {
    wm = wm.slice(1);
    exclude = true;
  }
  const joined = goJoin(dir, wm);
  // moby's New: trims, skips what is empty, cleans, then reads a leading `!`.
  if (joined.trim() === "") return undefined;
  return compileMobyPattern(goClean(joined.trim()), exclude);
}

// Characters moby escapes because they mean something in a regexp but nothing in a path pattern.
const ESCAPED = new Set([".", "+", "(", ")", "|", "{", "}", "$"]);

type MatchType = "exact" | "prefix" | "suffix" | "regexp";

/** moby's `Pattern.compile` for `/` as the separator. */
export function compileMobyPattern(cleaned: string, exclude: boolean): CompiledPattern {
  const syntax = syntaxProblem(cleaned);
  if (syntax !== undefined) return { ok: false, reason: syntax };
  let regex = "^";
  let type: MatchType = "exact";
  const chars = [...cleaned];
  for (let i = 0, step = 0; i < chars.length; step++) {
    const ch = chars[i++] as string;
    if (ch === "*") {
      if (chars[i] === "*") {
        i++;
        if (chars[i] === "/") i++;
        if (i >= chars.length) {
          if (type === "exact") type = "prefix";
          else {
            regex += ".*";
            type = "regexp";
          }
        } else {
          regex += "(.*/)?";
          type = "regexp";
        }
        if (step === 0) type = "suffix";
      } else {
        regex += "[^/]*";
        type = "regexp";
      }
    } else if (ch === "?") {
      regex += "[^/]";
      type = "regexp";
    } else if (ESCAPED.has(ch)) {
      regex += `\\${ch}`;
    } else if (ch === "\\") {
      if (i < chars.length) {
        regex += `\\${chars[i++] as string}`;
        type = "regexp";
      } else regex += "\\\\";
    } else if (ch === "[" || ch === "]") {
      regex += ch;
      type = "regexp";
    } else {
      regex += ch;
    }
  }
  // Go's regexp, which Atlantis matches with, takes linear time; a backtracking one would let a
  // PR's pattern (`*a*a*a*a*b`) hold the job thread for hours against a file name it chose. One
  // that cannot run in linear time (Go refuses it too) or does not compile matches nothing, as
  // Atlantis logs the match error and goes on.
  const re = type === "regexp" ? linearRegExp(`${regex}$`) : undefined;
  const prefix = /^[^*?[\\]*/.exec(cleaned)?.[0] ?? "";
  const matchesExactly = matcherOf(type, cleaned, re);
  return { ok: true, pattern: { exclude, text: cleaned, literalPrefix: type === "suffix" ? "" : prefix, matchesExactly } };
}

function matcherOf(type: MatchType, cleaned: string, re: RegExp | undefined): (path: string) => boolean {
  switch (type) {
    case "exact":
      return (path) => path === cleaned;
    case "prefix": {
      const prefix = cleaned.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case "suffix": {
      const suffix = cleaned.slice(2);
      return (path) => path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1));
    }
    default:
      return (path) => re?.test(path) === true;
  }
}

/** What Go's `filepath.Match(pattern, ".")` refuses (moby's syntax check): an unclosed class or a trailing `\`. */
function syntaxProblem(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      if (i + 1 >= pattern.length) return "ends with a lone `\\` (an escape with nothing to escape)";
      i++;
    } else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") return "has an empty character class `[]`";
      for (; j < pattern.length && pattern[j] !== "]"; j++) {
        if (pattern[j] === "\\") j++;
      }
      if (j >= pattern.length) return "has a `[` with no closing `]`";
      i = j;
    }
  }
  return undefined;
}

/**
 * moby's `MatchesOrParentMatches` over already compiled patterns: the last pattern that matches
 * the path or one of its parent dirs decides (an exclusion un-matches).
 */
export function matchesOrParentMatches(patterns: readonly AtlantisPattern[], path: string): AtlantisPattern | undefined {
  let decided: AtlantisPattern | undefined;
  const slash = path.lastIndexOf("/");
  for (const p of patterns) {
    if (p.exclude !== (decided !== undefined)) continue;
    let hit = p.matchesExactly(path);
    for (let end = path.indexOf("/"); !hit && slash > 0 && end > 0 && end <= slash; end = path.indexOf("/", end + 1)) {
      hit = p.matchesExactly(path.slice(0, end));
    }
    if (hit) decided = p.exclude ? undefined : p;
  }
  return decided;
}
