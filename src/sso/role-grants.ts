import { globsCover } from "../config/glob-list.js";
import type { RoleEntry } from "../config/sso-config-schema.js";
import type { Permission } from "../model/pull-request.js";
import { nameBeforeDeletion } from "../model/repo-move.js";

export type ConsoleRole = "viewer" | "operator" | "admin";

/** A role a user holds, in every repository (no `repos`) or in those matching the globs. */
export interface RoleGrant {
  role: ConsoleRole;
  repos?: string[];
}

const ROLES: readonly ConsoleRole[] = ["viewer", "operator", "admin"];
/** What a role is worth where the console asks GitHub's questions (read to look, write to act). */
const PERMISSION: Record<ConsoleRole, Permission> = { viewer: "read", operator: "write", admin: "admin" };
const RANK: Record<Permission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/** The claim's groups: a list of strings, or one string (some providers send a single group so). */
export function groupsOf(claim: unknown): string[] {
  if (typeof claim === "string") return [claim];
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === "string");
  return [];
}

/** The roles the user's groups give (group names compare exactly, as the provider spells them). */
export function grantsFromGroups(roles: Partial<Record<ConsoleRole, RoleEntry[]>>, groups: readonly string[]): RoleGrant[] {
  const have = new Set(groups);
  const grants: RoleGrant[] = [];
  for (const role of ROLES) {
    for (const entry of roles[role] ?? []) {
      const group = typeof entry === "string" ? entry : entry.group;
      if (!have.has(group)) continue;
      grants.push(typeof entry === "string" ? { role } : { role, repos: [...entry.repos] });
    }
  }
  return grants;
}

/**
 * Those of the user's groups that a role entry names: what a console session keeps (not the
 * roles), so that the roles are read from the server config as it is on each request.
 */
export function namedGroups(roles: Partial<Record<ConsoleRole, RoleEntry[]>>, groups: readonly string[]): string[] {
  const named = new Set(Object.values(roles).flatMap((entries) => (entries ?? []).map((e) => (typeof e === "string" ? e : e.group))));
  return [...new Set(groups)].filter((g) => named.has(g));
}

const matches = (globs: readonly string[], repo: string) => globsCover(globs, repo);

/**
 * The user's permission in one repository: the highest role that covers it, none when no role does.
 * A deleted repository's rows (kept under `owner/name~deleted-ID`) are judged by the name it had:
 * read as a name of their own, `acme/*` covered them and `!acme/payments` no longer excluded them,
 * so those kept out of a repository read its history (and acted on its kept locks) once it was
 * deleted, while those given only that repository lost it.
 */
export function permissionIn(grants: readonly RoleGrant[], repo: string): Permission {
  const name = nameBeforeDeletion(repo);
  let best: Permission = "none";
  for (const g of grants) {
    if (g.repos && !matches(g.repos, name)) continue;
    const p = PERMISSION[g.role];
    if (RANK[p] > RANK[best]) best = p;
  }
  return best;
}

/** What the console reads access from: each known repository (lower-case owner/name) the grants cover. */
export function accessFromGrants(grants: readonly RoleGrant[], repos: Iterable<string>): Map<string, Permission> {
  const access = new Map<string, Permission>();
  for (const repo of repos) {
    const p = permissionIn(grants, repo);
    if (p !== "none") access.set(repo.toLowerCase(), p);
  }
  return access;
}

/** Holds `role` (or a higher one) in every repository: server-wide acts (pause applies, tokens) need it. */
export function holdsEverywhere(grants: readonly RoleGrant[], role: ConsoleRole): boolean {
  return grants.some((g) => !g.repos && ROLES.indexOf(g.role) >= ROLES.indexOf(role));
}

/**
 * Whether `have` gives at least what `want` does: its server-wide acts (an admin's or operator's
 * without a `repos` limit), every repository where `want` has no limit (those Sluice meets later
 * too), and in each of `repos` (the known ones) a permission at least `want`'s. What a token
 * issued by a user may still stand on once the user's roles change.
 */
export function grantsCover(have: readonly RoleGrant[], want: RoleGrant, repos: Iterable<string>): boolean {
  for (const role of ["admin", "operator"] as const) if (holdsEverywhere([want], role) && !holdsEverywhere(have, role)) return false;
  if (!want.repos && !holdsEverywhere(have, want.role)) return false;
  for (const repo of repos) if (RANK[permissionIn([want], repo)] > RANK[permissionIn(have, repo)]) return false;
  return true;
}
