import { globListSchema, repoGlobListSchema } from "./glob-list.js";
import { cpus } from "node:os";
import { z } from "zod";
import { cronSchema } from "../util/cron.js";
import { auditStreamSchema, notificationsSchema } from "./audit-stream-config.js";
import { applyWindow, freeze, permissionRule } from "./change-control-schema.js";
import { stage } from "./repo/sluice-schema.js";
import { duration, policiesSchema, policyCheckStage, workflowHookSchema } from "./server-config-parts.js";
import { credentialRuleSchema, newProjectsSchema } from "./credentials-schema.js";
import { sandboxConfigShape } from "./sandbox-config-schema.js";
import { serverToolsShape } from "./server-tools-schema.js";
import { apiSchema, ssoSchema } from "./sso-config-schema.js";
import { agentsSchema, autoApproveSchema, destroyRuleSchema, protectOwnersSchema, protectSchema } from "./plan-rules-schema.js";

/** SLUICE_SERVER_CONFIG: operator settings no pull request can change. */
export const serverConfigSchema = z
  .object({
    /**
     * Repos Sluice acts on (globs over owner/name; empty = all repos the app is installed on), and
     * entries `{ id, <repository-level keys> }` whose settings win, key by key, for the
     * repositories they match (the last matching entry wins; see repo-entries.ts).
     */
    repos: z.array(z.union([z.string().min(1), z.looseObject({ id: z.string() })])).default([]),
    /** Autoplan draft pull requests too. */
    autoplan_drafts: z.boolean().default(false),
    /** Plan pull requests whose head is in a fork (their code runs on this server at plan time). */
    allow_fork_prs: z.boolean().default(false),
    /**
     * A PR's worktree holds only what its plans read (the root's files, project and local module
     * dirs) when that is known for sure; false: every file, always.
     */
    sparse_checkout: z.boolean().default(true),
    /** Extra regular expressions whose matches are redacted from everything posted or logged. */
    redact_patterns: z.array(z.string().min(1)).default([]),
    ...serverToolsShape,
    /** Timeout for one tool step (init, plan, show, apply); the default workflow's init + plan run as one tool run with twice this. */
    step_timeout: duration.default(30 * 60e3),
    /**
     * How often Sluice compares what it holds (locks, saved plans) with GitHub, for the events
     * GitHub could not deliver: at start too.
     */
    reconcile_interval: duration.default(5 * 60e3),
    /**
     * How far back a webhook delivery GitHub could not make (Sluice down, unreachable, or answering
     * 5xx) is asked for again, at each `reconcile_interval` and at start; false: never. At most 72h
     * (GitHub keeps a delivery redeliverable for three days); at least `reconcile_interval` (one
     * shorter is refused; the default is widened to it).
     */
    redeliver_within: z
      .union([
        z.literal(false),
        duration.refine((ms) => ms <= 72 * 3600e3, "at most 72h: GitHub keeps a delivery redeliverable for three days"),
      ])
      .default(60 * 60e3)
      .meta({ defaultText: "`1h`, or `reconcile_interval` when longer" }),
    /**
     * A Terraform state kept as a local file inside the checkout is lost with it: an apply of such
     * a project is refused unless this is true (a state meant to be thrown away: examples, tests).
     */
    allow_checkout_state: z.boolean().default(false),
    /** How many projects plan at once on this replica. */
    parallel: z.number().int().min(1).max(256).default(Math.max(1, cpus().length)).meta({ defaultText: "the number of CPU cores" }),
    /**
     * Requirements every project must meet before apply, unless a repo may override them.
     * `mergeable`: GitHub would merge the PR but for Sluice's own checks (no draft, conflict or
     * review rule, and every required check run and commit status passed).
     */
    apply_requirements: z
      .array(z.enum(["approved", "mergeable", "undiverged", "code_owners", "verified_commits"]))
      .default(["approved", "mergeable"]),
    /** Approvals the `approved` requirement needs. */
    approvals: z.number().int().min(0).max(20).default(1),
    /**
     * The least repository permission `/plan` needs (a plan is what a merge or `/apply` applies).
     * `/apply`, `/unlock` and anything that changes state need write access.
     */
    plan_permission: z.enum(["read", "triage", "write", "maintain", "admin"]).default("write"),
    /**
     * Whether `atlantis plan|apply|unlock` comments are Sluice's: only in repos configured by
     * atlantis.yaml (Atlantis may still serve the others), in every repo (Sluice replaced Atlantis
     * everywhere, autodiscovery included), or never.
     */
    atlantis_prefix: z.enum(["with-atlantis-yaml", "always", "never"]).default("with-atlantis-yaml"),
    /**
     * GitHub users allowed to apply in every repo, in addition to users with write access. Each a
     * login (trusted as the account it named when Sluice first resolved it) or `login#account-id`.
     */
    apply_users: z.array(z.string().min(1)).default([]),
    /** GitHub teams (`org/team-slug`) whose members, nested teams included, may apply in every repo. */
    apply_teams: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a team as org/team-slug"))
      .default([]),
    /** Let `-destroy` plans be applied in every project; a repo's base-branch config may allow it per project. */
    allow_destroy: z.boolean().default(false),
    /**
     * Base branches besides the default branch whose repo config is trusted (globs; `!GLOB`
     * excludes), honoured only while GitHub shows the branch as protected: a PR into any other
     * branch gets the server's settings.
     */
    trusted_branches: globListSchema.default([]),
    /** Repo config keys a repo's base-branch .sluice.yaml may set over these defaults. */
    allowed_overrides: z
      .array(
        z.enum([
          "apply_requirements",
          "approvals",
          "apply_on",
          "automerge",
          "workflow",
          "apply_teams",
          "drift",
          "preview",
          "destroy",
          "auto_approve",
        ]),
      )
      .default([]),
    /** Repos (globs; `!GLOB` excludes) whose base-branch workflows may run custom `run` steps on this server. */
    allow_custom_workflows: repoGlobListSchema.default([]),
    /** Share downloaded providers between projects; downloads are serialized, so parallel inits are safe. */
    plugin_cache: z.boolean().default(true),
    /** Merge the pull request once every planned project is applied, unless the repo config says otherwise. */
    automerge: z.boolean().default(false),
    /** When to apply: on an `/apply` comment, or when the PR merges; the repo config may choose. */
    apply_on: z.enum(["comment", "merge"]).default("comment"),
    /** Live previews a repository may have at once; a pull request past the cap is told so and gets none. */
    max_previews: z.number().int().min(0).default(10),
    /** Previews of pull requests from forks (their code is applied, not only planned). */
    previews_from_forks: z.boolean().default(false),
    /** Pull mode defaults: when to check the default branch for drift, and what to do about it. */
    drift: z
      .strictObject({
        schedule: cronSchema.optional(),
        on_drift: z.enum(["report", "apply"]).default("report"),
        allow_destroy: z.boolean().default(false),
      })
      .default({ on_drift: "report", allow_destroy: false }),
    /**
     * Workflows written by the operator (same shape as `.sluice.yaml`'s, `run` steps included: the
     * operator is trusted). Repos pick one by name when it is in `allowed_workflows`;
     * `default_workflow` runs for projects that name none.
     */
    workflows: z
      .record(
        z.string().min(1),
        z.strictObject({ plan: stage.optional(), apply: stage.optional(), policy_check: policyCheckStage.optional() }),
      )
      .default({}),
    /**
     * Server workflows a repository's project may pick by name. Not empty, it also binds the
     * repository: unless `allow_custom_workflows` names it, a workflow of its own config is refused.
     */
    allowed_workflows: z.array(z.string().min(1)).default([]),
    default_workflow: z.string().min(1).optional(),
    /** Plan pull requests when they open or change; false: only on `/plan`. */
    autoplan: z.boolean().default(true),
    /** The file name of Sluice's repo config (at the repository root). */
    repo_config_file: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\.ya?ml$/, "a file name at the repository root, ending in .yaml or .yml")
      .refine((f) => f !== "atlantis.yaml", "atlantis.yaml is read as Atlantis' own format")
      .default(".sluice.yaml"),
    /** Comment commands this server answers; the others get a reply saying they are disabled. The console and the API act by their roles (operator actions: unlock, pause, preview destroy). */
    allow_commands: z
      .array(z.enum(["plan", "apply", "unlock", "import", "state", "approve_policies", "applies", "drift", "preview", "help"]))
      .default(["plan", "apply", "unlock", "import", "state", "approve_policies", "applies", "drift", "preview", "help"]),
    /** Most comments one command may post before the output is truncated. */
    max_comments: z.number().int().min(1).max(50).default(10),
    /** Most bytes of tool output kept per job for the console (the rest is cut with a notice). */
    log_max_bytes: z
      .number()
      .int()
      .min(1024)
      .default(10 * 1024 * 1024),
    /** How long job output is kept in the store (the job record itself stays). */
    log_retention: duration.default(30 * 24 * 3600e3),
    /** Conftest policy checks over every Terraform/OpenTofu plan, in Atlantis' repos.yaml shape. */
    policies: policiesSchema.optional(),
    /** Whether `policies` check this repository's plans (Atlantis' `policy_check`); unset: `policies.repos` decides. */
    policy_check: z.boolean().optional(),
    /** Run in the PR's checkout (sandboxed) before the command's workflows; may generate the repo's config. */
    pre_workflow_hooks: z.array(workflowHookSchema).default([]),
    /** Run in the PR's checkout (sandboxed) after the command's workflows. */
    post_workflow_hooks: z.array(workflowHookSchema).default([]),
    /** Time limit of one workflow hook; the whole process group is killed after it. */
    workflow_hook_timeout: duration.default(10 * 60e3),
    /**
     * GitHub users that are this server's admins (pause and resume applies, API tokens,
     * `--override-window`): each a login (trusted as the account it named when Sluice first
     * resolved it, whatever its login later) or `login#account-id`.
     */
    admins: z.array(z.string().min(1)).default([]),
    /** Console sign-in with GitHub (the App's OAuth client); false leaves only the `sso` providers. */
    github_sign_in: z.boolean().default(true),
    /** OpenID Connect providers of console sign-in, their groups mapped to roles (docs: Single sign-on). */
    sso: ssoSchema,
    /** The automation API under /api/v1/ (off: every path of it answers 404). */
    api: apiSchema,
    ...sandboxConfigShape,
    /** When changes may reach projects (`REPO_GLOB[:PROJECT_GLOB]`): every road outside them is refused; plans still run. */
    apply_windows: z.array(applyWindow).default([]),
    /** Cloud credentials per phase (`REPO_GLOB[:PROJECT_GLOB]`, first match wins): docs/cloud-credentials.md. */
    credentials: z.array(credentialRuleSchema).default([]),
    /**
     * Projects the base branch does not have (a PR's new dir): they match only repository-wide
     * rules, and get credentials, and a Helm or Kustomize project its cluster (`kubeconfig`), from here alone.
     */
    new_projects: newProjectsSchema.default({}),
    /** Dated change freezes, with the reason every refusal quotes. */
    freezes: z.array(freeze).default([]),
    /** Who may do what in matching projects, beyond repository write access (which stays the floor). */
    permissions: z.array(permissionRule).default([]),
    /** Every audit event, signed with HMAC-SHA256, to an endpoint the operator controls (docs/audit-stream.md). */
    audit_stream: auditStreamSchema.optional(),
    /** Slack or JSON messages for some events of some repos/projects (docs/audit-stream.md). */
    notifications: notificationsSchema.default([]),
    /** Rules that read the plan (docs: Rules that read the plan): protected addresses, and who may override them. */
    protect: protectSchema.default([]),
    protect_owners: protectOwnersSchema.default([]),
    /** What a `-destroy` plan needs besides `allow_destroy`: approvals from teams, a window of its own. */
    destroy: destroyRuleSchema.optional(),
    /** When the `approved` requirement counts as met by what the plan does. */
    auto_approve: autoApproveSchema.optional(),
    /** Agents: they may plan, never apply, approve or override; their pull requests need a human's approval. */
    agents: agentsSchema.default([]),
  })
  .strict();
