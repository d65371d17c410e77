import { z } from "zod";
import { workflowHookSchema } from "./server-config-parts.js";

// Atlantis' server-side repo config (`repos.yaml`, `--repo-config`), key for key as Atlantis
// reads it. A key Atlantis does not know is an error (Atlantis refuses it too); a key Atlantis
// knows and Sluice does not do is named at start (ATLANTIS_REPOS_KEYS says which).

const requirement = z.enum(["approved", "mergeable", "undiverged", "policies_passed"]);
const override = z.enum([
  "plan_requirements",
  "apply_requirements",
  "import_requirements",
  "workflow",
  "delete_source_branch_on_merge",
  "repo_locking",
  "repo_locks",
  "policy_check",
  "custom_policy_check",
  "silence_pr_comments",
]);

export const atlantisRepoEntrySchema = z.strictObject({
  id: z.string().min(1),
  branch: z.string().optional(),
  repo_config_file: z.string().optional(),
  plan_requirements: z.array(requirement).optional(),
  apply_requirements: z.array(requirement).optional(),
  import_requirements: z.array(requirement).optional(),
  pre_workflow_hooks: z.array(workflowHookSchema).optional(),
  workflow: z.string().min(1).optional(),
  post_workflow_hooks: z.array(workflowHookSchema).optional(),
  allowed_workflows: z.array(z.string().min(1)).optional(),
  allowed_overrides: z.array(override).optional(),
  allow_custom_workflows: z.boolean().optional(),
  delete_source_branch_on_merge: z.boolean().optional(),
  repo_locking: z.boolean().optional(),
  repo_locks: z.strictObject({ mode: z.enum(["disabled", "on_plan", "on_apply"]) }).optional(),
  policy_check: z.boolean().optional(),
  custom_policy_check: z.boolean().optional(),
  autodiscover: z
    .strictObject({ mode: z.enum(["auto", "enabled", "disabled"]).optional(), ignore_paths: z.array(z.string()).optional() })
    .optional(),
  silence_pr_comments: z.array(z.string()).optional(),
});

export type AtlantisRepoEntry = z.output<typeof atlantisRepoEntrySchema>;

export const atlantisReposSchema = z.strictObject({
  repos: z.array(atlantisRepoEntrySchema).nullish(),
  /** Checked by the repo-config reader's Atlantis workflow rules, and `policy_check` stages as Sluice's. */
  workflows: z.record(z.string().min(1), z.record(z.string(), z.unknown()).nullable()).nullish(),
  /** Checked against Sluice's `policies` (the same shape) once relative paths are resolved. */
  policies: z.record(z.string(), z.unknown()).nullish(),
  metrics: z.unknown().optional(),
  team_authz: z.unknown().optional(),
  external_stores: z.unknown().optional(),
});

export type Support = "yes" | "partly" | "no";

/**
 * What Sluice does with each key of `repos.yaml`: the mapping table of docs/atlantis.md is rendered from this
 * (a test compares them), and every key of the schemas above has a line here.
 */
export const ATLANTIS_REPOS_KEYS: Record<string, { support: Support; does: string }> = {
  "repos[].id": {
    support: "yes",
    does: "Exact `HOST/owner/name` (HOST: `GHE_HOST`, else `github.com`) or `/regex/` over it; the last matching entry decides each key. It does not widen the allowlist (server `repos`).",
  },
  "repos[].branch": {
    support: "no",
    does: "Refused at start (the entry would hold for every base branch, loosening the others' rules), unless it matches every branch (`/.*/`).",
  },
  "repos[].repo_config_file": {
    support: "partly",
    does: "`atlantis.yaml` is read as always; any other path is named at start and not read.",
  },
  "repos[].plan_requirements": {
    support: "partly",
    does: "`[]` as Atlantis; any requirement is refused at start (Sluice does not hold a plan until it is met; who may plan: `plan_permission`).",
  },
  "repos[].apply_requirements": {
    support: "yes",
    does: "`apply_requirements` (`approved`, `mergeable`, `undiverged`); `policies_passed` is what policy checks always require in Sluice. Unset: none, as in Atlantis.",
  },
  "repos[].import_requirements": {
    support: "partly",
    does: "`/import` needs what `/apply` needs; a requirement `apply_requirements` lacks is refused at start (it would not be asked).",
  },
  "repos[].pre_workflow_hooks": {
    support: "partly",
    does: "Run before each plan and each apply of a pull request (`commands` as Atlantis) in the sandbox of the PR's checkout with Atlantis' environment variables; a failure stops the plan or apply (Atlantis with `--fail-on-pre-workflow-hook-error`). Not run for other commands.",
  },
  "repos[].workflow": { support: "yes", does: "`default_workflow` (`default`: Sluice's built-in workflow)." },
  "repos[].post_workflow_hooks": {
    support: "partly",
    does: "Run after each plan and each apply of a pull request in the sandbox of the PR's checkout; a failure is a warning in the comment. Not run for other commands.",
  },
  "repos[].allowed_workflows": {
    support: "yes",
    does: "`allowed_workflows`; unset or empty: any server workflow, as in Atlantis, once `allowed_overrides` has `workflow`; a repository without `allow_custom_workflows` then uses none of its own (Atlantis 0.49).",
  },
  "repos[].allowed_overrides": {
    support: "partly",
    does: "`apply_requirements` and `workflow` as Atlantis; the other overrides are named at start.",
  },
  "repos[].allow_custom_workflows": { support: "yes", does: "`allow_custom_workflows` for the repositories the entry matches." },
  "repos[].delete_source_branch_on_merge": { support: "partly", does: "`false` as Atlantis; `true` is named at start." },
  "repos[].repo_locking": { support: "partly", does: "`true` as Atlantis (locks are always on); `false` is named at start." },
  "repos[].repo_locks": { support: "partly", does: "`mode: on_plan` as Atlantis; other modes are named at start." },
  "repos[].policy_check": { support: "yes", does: "`policy_check`: the server's policies check this repository's plans or not." },
  "repos[].custom_policy_check": { support: "partly", does: "`false` as Atlantis; `true` is named at start (conftest only)." },
  "repos[].autodiscover": {
    support: "partly",
    does: "`mode: auto` as Atlantis (Sluice autodiscovers without a config file); other settings are named at start.",
  },
  "repos[].silence_pr_comments": { support: "no", does: "Named at start; Sluice always comments." },
  workflows: {
    support: "yes",
    does: "Server workflows: `plan`/`apply` stages as in `atlantis.yaml` (`run` strings, `env`, `extra_args`), `policy_check` with `show` and `policy_check` steps; `import`/`state_rm` stages are named at start.",
  },
  policies: {
    support: "yes",
    does: "`policies`, active when `ATLANTIS_ENABLE_POLICY_CHECKS` is true; relative `path`s are from the file's folder; `conftest_version` is ignored (conftest on PATH).",
  },
  metrics: { support: "no", does: "Named at start; Sluice serves Prometheus metrics at `/metrics`." },
  team_authz: { support: "no", does: "Named at start; who may apply is `apply_users`, `apply_teams` and GitHub's repository permissions." },
  external_stores: { support: "no", does: "Named at start; plans are kept in Sluice's store." },
};

/** The "what Sluice does with each key" table of docs/atlantis.md, rendered from ATLANTIS_REPOS_KEYS. */
export function atlantisKeysTable(): string {
  const word: Record<Support, string> = { yes: "yes", partly: "partly", no: "no" };
  const rows = Object.entries(ATLANTIS_REPOS_KEYS).map(([key, k]) => `| \`${key}\` | ${word[k.support]} | ${k.does} |`);
  return ["| `repos.yaml` key | Supported | What Sluice does with it |", "| --- | --- | --- |", ...rows].join("\n");
}
