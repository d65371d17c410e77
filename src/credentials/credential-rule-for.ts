import picomatch from "picomatch";
import type { CredentialRule } from "../model/credentials.js";

/** The rule that gives a project its credentials, and how comments name it. */
export type CredentialChoice =
  | {
      rule: CredentialRule;
      index: number;
      name: string;
      /** The project's name in its token's `sub`: its one trusted name; absent when it has several. */
      subject?: string;
    }
  | { rule?: undefined; why: string };

/** `REPO_GLOB[:PROJECT_GLOB]` (as `network`): the repo side ignores case, no project side matches every project. */
export function credentialMatch(match: string, repoFullName: string, projectName: string): boolean {
  const colon = match.indexOf(":");
  const repoGlob = colon < 0 ? match : match.slice(0, colon);
  const projectGlob = colon < 0 ? "**" : match.slice(colon + 1);
  return picomatch(repoGlob, { nocase: true })(repoFullName) && picomatch(projectGlob, { dot: true })(projectName);
}

const firstMatch = (rules: readonly CredentialRule[], repo: string, name: string) =>
  rules.findIndex((r) => credentialMatch(r.match, repo, name));

/**
 * The first rule matching the project by its trusted identity (`names`: the base branch's project
 * on its dir and workspace, or the dir itself when the base branch has none there). The name a
 * pull request gives the project never chooses a rule: a PR that renames `dev` to `prod` gets
 * dev's credentials. A dir the trusted config knows under several names that match different rules
 * gets none (which one was meant cannot be told).
 */
export function credentialRuleFor(rules: readonly CredentialRule[], repoFullName: string, names: readonly string[]): CredentialChoice {
  const found = new Set(names.map((n) => firstMatch(rules, repoFullName, n)));
  if (found.size > 1) {
    return {
      why: `the project's trusted names (${names.join(", ")}) match different \`credentials\` rules, so it gets none; give each its own dir or workspace`,
    };
  }
  const index = [...found][0] ?? -1;
  const rule = rules[index];
  if (!rule) return { why: "no `credentials` rule of this server matches the project" };
  return { rule, index, name: rule.match, ...(names.length === 1 ? { subject: names[0] } : {}) };
}
