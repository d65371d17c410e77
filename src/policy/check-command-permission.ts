import type { Permission } from "../model/pull-request.js";
import { ALLOWED, type Decision, refuse } from "./decision.js";

const RANK: Record<Permission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export interface CommandPermissionFacts {
  user: string;
  permission: Permission;
  /** Named by the server config (`apply_users`): allowed whatever the repo permission. */
  allowedByServer: boolean;
  /** The least repo permission the command needs. */
  needed: Permission;
}

/**
 * Who may run a command that makes, uses or discards plans and locks. A plan is what a merge or
 * an `/apply` later applies, and a lock is what keeps other PRs out: both are as sensitive as
 * the apply itself, so a user without access can neither make one nor throw one away.
 */
export function checkCommandPermission(verb: string, f: CommandPermissionFacts): Decision {
  if (f.allowedByServer || RANK[f.permission] >= RANK[f.needed]) return ALLOWED;
  const has = f.permission === "none" ? "no access" : `${f.permission} access`;
  return refuse(`@${f.user} needs ${f.needed} access to this repository to ${verb} (has ${has})`);
}
