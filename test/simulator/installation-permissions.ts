import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { allowedBy, ENDPOINT_PERMISSIONS, type PermissionSet } from "../../src/app/github-permissions.js";
import { DOCS, RestError } from "./rest-reply.js";

/** What a fresh installation of Sluice's manifest grants: app.yml's `default_permissions`. */
export function manifestPermissions(): Record<string, string> {
  const yml = parse(readFileSync(join(import.meta.dirname, "../../app.yml"), "utf8")) as { default_permissions?: Record<string, string> };
  return { ...(yml.default_permissions ?? {}) };
}

const shape = (route: string) => route.replace(/\{[^}]+\}/g, "{}");
const RULES = new Map(Object.entries(ENDPOINT_PERMISSIONS).map(([route, rule]) => [shape(route), rule]));

/** `deployments=write` or `issues=write; pull_requests=write`, as GitHub's X-Accepted-GitHub-Permissions header says. */
const accepted = (sets: readonly PermissionSet[]) =>
  sets
    .map((s) =>
      Object.entries(s)
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    )
    .join("; ");

/**
 * As GitHub does for an installation token: a call whose permission the installation was not
 * granted is answered 403 "Resource not accessible by integration". Routes Sluice never calls
 * have no rule here and are let through.
 */
export function enforceInstallationPermissions(route: string, granted: Record<string, string>): void {
  const rule = RULES.get(shape(route));
  if (!Array.isArray(rule) || allowedBy(granted, rule)) return;
  throw new RestError(
    403,
    { message: "Resource not accessible by integration", documentation_url: DOCS, status: "403" },
    { "x-accepted-github-permissions": accepted(rule) },
  );
}
