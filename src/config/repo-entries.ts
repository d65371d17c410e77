import { repoGlobMatches } from "./trusted-identity.js";
import { z } from "zod";

/**
 * Server settings that may differ from one repository to another (`repos:` entries). The others
 * (binaries, sandbox, parallelism, secrets, the workflow and policy definitions themselves…) are
 * the server's and have one value for every repository.
 */
export const REPO_LEVEL_KEYS = [
  "apply_requirements",
  "approvals",
  "plan_permission",
  "apply_users",
  "apply_teams",
  "allow_destroy",
  "allowed_overrides",
  "allow_custom_workflows",
  "allowed_workflows",
  "default_workflow",
  "automerge",
  "apply_on",
  "drift",
  "max_previews",
  "previews_from_forks",
  "autoplan",
  "autoplan_drafts",
  "allow_fork_prs",
  "atlantis_prefix",
  "allow_commands",
  "repo_config_file",
  "sparse_checkout",
  "step_timeout",
  "max_comments",
  "policy_check",
  "pre_workflow_hooks",
  "post_workflow_hooks",
  "workflow_hook_timeout",
  "trusted_branches",
  "protect",
  "protect_owners",
  "destroy",
  "auto_approve",
] as const;

export type RepoLevelKey = (typeof REPO_LEVEL_KEYS)[number];

/**
 * One rule of `repos:`. `id` is an exact `owner/name`, a glob over it, or a `/regex/`; Atlantis'
 * entries (from its repos.yaml) match `HOST/owner/name` instead and do not widen the allowlist.
 */
export interface RepoRule {
  id: string;
  /** Set for Atlantis' entries: `id` is matched against `HOST/owner/name`, not `owner/name`. */
  host?: string;
  /** Whether a repository this rule matches is one the server acts on. */
  allows: boolean;
  /** Where it was written, for `sluice config explain`: `repos[2]` or `repos.yaml repos[0]`. */
  origin: string;
  settings: Partial<Record<RepoLevelKey, unknown>>;
}

type Shape = Record<string, z.ZodType>;

/** The key's schema without its default: an entry sets only what it names. */
function withoutDefault(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType } };
  while ((s.def.type === "default" || s.def.type === "prefault") && s.def.innerType) s = s.def.innerType as typeof s;
  return s;
}

/**
 * The schema of a `{ id, <settings> }` entry: `id` and any repository-level key, under the same
 * rules as at the top level. `allow_custom_workflows`, a list of globs at the top level, is a
 * yes or no in an entry (the entry already says which repositories).
 */
export function repoEntrySchema(shape: Shape) {
  const fields: Shape = {
    id: z
      .string()
      .min(1)
      .refine((id) => regexOf(id) !== null, "a /regular expression/ that compiles"),
  };
  for (const key of REPO_LEVEL_KEYS) {
    const own = shape[key];
    if (!own) continue;
    fields[key] = (key === "allow_custom_workflows" ? z.union([z.boolean(), withoutDefault(own)]) : withoutDefault(own)).optional();
  }
  return z.strictObject(fields);
}

/** `/body/` as a regular expression (case-insensitive, as the globs are); null when it does not compile; undefined when `id` is not one. */
export function regexOf(id: string): RegExp | null | undefined {
  if (id.length < 3 || !id.startsWith("/") || !id.endsWith("/")) return undefined;
  try {
    return new RegExp(id.slice(1, -1), "i");
  } catch {
    return null;
  }
}

/** Whether a `repos:` rule matches `owner/name` (globs and exact names ignore case, as GitHub does). */
export function ruleMatches(rule: Pick<RepoRule, "id" | "host">, fullName: string): boolean {
  const subject = rule.host ? `${rule.host}/${fullName}` : fullName;
  const regex = regexOf(rule.id);
  if (regex) return regex.test(subject);
  if (regex === null) return false;
  // A name may start with a dot (acme/.infra): `acme/*` covers it, as it does in every other rule.
  return repoGlobMatches(rule.id, subject);
}
