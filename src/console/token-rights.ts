import type { ApiTokenRecord, TokenScope } from "../store/api-token-store.js";
import type { ConsoleRole, RoleGrant } from "../sso/role-grants.js";

const SCOPE_ROLE: Record<TokenScope, ConsoleRole> = { read: "viewer", operate: "operator", admin: "admin" };

/**
 * What an issued token may do, as a role: its highest scope (`read` a viewer's, `operate` an
 * operator's, `admin` an admin's) over its repositories (none: every one). A token has no other
 * rights of its own: it acts as this role, and nothing else.
 */
export function tokenGrant(t: Pick<ApiTokenRecord, "scopes" | "repos">): RoleGrant {
  const top = (["admin", "operate", "read"] as const).find((s) => t.scopes.includes(s)) ?? "read";
  return { role: SCOPE_ROLE[top], ...(t.repos.length ? { repos: [...t.repos] } : {}) };
}
