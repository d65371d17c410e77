import { ruleCovers } from "./trusted-identity.js";
import type { CredentialChoice, CredentialRule, CredentialSet } from "../model/credentials.js";
export type { CredentialChoice } from "../model/credentials.js";
import type { TrustedIdentity } from "../model/trusted-identity.js";

/** The server's `new_projects.credentials`: the only credentials a project the base branch does not have gets. */
export type NewProjectCredentials = { plan?: CredentialSet; apply?: CredentialSet } | undefined;

/**
 * The first rule covering the project by its trusted identity (the base branch's project on its
 * dir and workspace). The name a pull request gives the project never chooses a rule: a PR that
 * renames `dev` to `prod` gets dev's credentials, and a dir the base branch does not have is a
 * new project, which gets the server's `new_projects` credentials or none, never a rule's.
 */
export function credentialRuleFor(
  rules: readonly CredentialRule[],
  id: TrustedIdentity,
  newProjects?: NewProjectCredentials,
): CredentialChoice {
  if (id.kind === "ambiguous") {
    return { why: `the base branch has several projects here (${id.names.join(", ")}), so which one's credentials apply cannot be told` };
  }
  if (id.kind === "new") {
    if (!newProjects)
      return { why: "a new project (not on the base branch) gets only the server's `new_projects` credentials, and it sets none" };
    return { rule: { match: "new_projects", ...newProjects }, index: -1, name: "new_projects", subject: id.dir, newProject: true };
  }
  const index = rules.findIndex((r) => ruleCovers(r.match, id, "grant"));
  const rule = rules[index];
  if (!rule) return { why: "no `credentials` rule of this server matches the project" };
  return { rule, index, name: rule.match, subject: id.name };
}
