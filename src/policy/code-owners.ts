import picomatch from "picomatch";
import { ALLOWED, type Decision, refuse } from "./decision.js";
import { listSome } from "../util/list-some.js";

/** Where GitHub looks for the file, in its order: the first one found is used. */
export const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] as const;

export interface CodeOwnersRule {
  pattern: string;
  /** `@user`, `@org/team` or an e-mail, as written; [] = the path has no owners. */
  owners: string[];
  line: number;
  match: (file: string) => boolean;
}

/**
 * GitHub's CODEOWNERS syntax: `PATTERN OWNER…` per line, `#` comments, blank lines ignored.
 * Patterns follow gitignore's rules as GitHub applies them: a leading `/` or a `/` inside anchors
 * the pattern at the root, otherwise it matches at any depth; a match on a directory covers
 * everything below it; `*` stays inside one path segment (`docs/*` owns `docs/a.md`, not
 * `docs/x/b.md`), `**` spans segments. `\#` escapes a leading hash; `!` negation and `[ ]`
 * ranges are not supported by GitHub, so such lines are skipped.
 */
export function parseCodeOwners(text: string): CodeOwnersRule[] {
  const rules: CodeOwnersRule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) return;
    const [rawPattern = "", ...owners] = line.split(/\s+/);
    const pattern = rawPattern.replace(/^\\#/, "#");
    if (pattern.startsWith("!") || /[[\]]/.test(pattern)) return;
    rules.push({ pattern, owners: owners.filter((o) => o.startsWith("@") || o.includes("@")), line: i + 1, match: matcher(pattern) });
  });
  return rules;
}

function matcher(pattern: string): (file: string) => boolean {
  const dirOnly = pattern.endsWith("/");
  let body = pattern.replace(/\/+$/, "");
  const anchored = body.startsWith("/") || body.includes("/");
  body = body.replace(/^\/+/, "");
  if (body === "") return () => true;
  const glob = anchored || body.startsWith("**") ? body : `**/${body}`;
  // A pattern naming a directory owns what is below it; one ending in a wildcard segment only its direct matches.
  const last = body.split("/").pop() ?? "";
  const below = !/\*/.test(last) || last === "**";
  const globs = [...(dirOnly ? [] : [glob]), ...(below || dirOnly ? [`${glob}/**`] : [])];
  return picomatch(globs, { dot: true });
}

/** The owners of a file: those of the last matching rule (GitHub's rule), or undefined when none matches. */
export function ownersOf(rules: readonly CodeOwnersRule[], file: string): string[] | undefined {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i];
    if (rule?.match(file)) return rule.owners;
  }
  return undefined;
}

export interface CodeOwnerFacts {
  /** The CODEOWNERS file of the trusted (base) commit; undefined when it has none. */
  source?: string;
  rules: readonly CodeOwnersRule[];
  /** Every file the project's plan depends on: its dir and the local modules it uses. */
  files: readonly string[];
  /** Members (lowercase logins) of each `@org/team` owner, among the users who approved. */
  teamMembers: ReadonlyMap<string, ReadonlySet<string>>;
}

const MAX_LISTED_FILES = 3;

/**
 * `code_owners`: for every file the plan depends on that has owners, one of them must be among
 * the approvers that count (given after the plan, by users with write access, not the author).
 * A team owner is satisfied by an approval of any of its members. The refusal names the owners
 * still needed, each group with a few of its files.
 */
export function checkCodeOwners(f: CodeOwnerFacts, approvers: readonly string[]): Decision {
  if (f.source === undefined) {
    return refuse(
      `the \`code_owners\` requirement needs a CODEOWNERS file on the base branch (${CODEOWNERS_PATHS.join(", ")}), and there is none`,
    );
  }
  const approved = new Set(approvers.map((a) => a.toLowerCase()));
  const satisfied = (owner: string) => {
    const name = owner.replace(/^@/, "").toLowerCase();
    if (name.includes("/")) return [...(f.teamMembers.get(name) ?? [])].some((m) => approved.has(m));
    return approved.has(name);
  };
  const missing = new Map<string, string[]>();
  for (const file of f.files) {
    const owners = ownersOf(f.rules, file);
    if (!owners || owners.length === 0 || owners.some(satisfied)) continue;
    const key = owners.join(" or ");
    missing.set(key, [...(missing.get(key) ?? []), file]);
  }
  if (missing.size === 0) return ALLOWED;
  const needs = [...missing].map(([owners, files]) => {
    return `${owners} (code owners of ${listSome(files, MAX_LISTED_FILES, (x) => `\`${x}\``)})`;
  });
  return refuse(`needs an approval given after the plan from ${needs.join("; and from ")}, per ${f.source}`);
}

/** The dirs a project's plan reads: its own and, transitively, the local modules it uses. */
export function dependencyDirs(projectDir: string, modules: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const dirs = new Set([projectDir]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [module, users] of modules) {
      if (dirs.has(module)) continue;
      if ([...users].some((u) => dirs.has(u))) {
        dirs.add(module);
        grew = true;
      }
    }
  }
  return [...dirs].sort();
}
