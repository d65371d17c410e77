import { isSetForTerraform, SET_FOR_TERRAFORM_REASON } from "../../../runners/child-env.js";
import { z } from "zod";
import { WORKSPACE_NAME } from "../../command/validate-filter-value.js";
import { cronSchema } from "../../util/cron.js";
import { autoApproveSchema, destroyRuleSchema, protectSchema } from "../plan-rules-schema.js";

// The first stage of `.sluice.yaml`: shapes and types only, every object strict so a typo is an
// error rather than a silently ignored key. Paths, names across projects and the project graph are
// checked afterwards (normalize-sluice-config.ts), where messages can explain more than a type.
// The JSON Schema in schema/sluice.schema.json is generated from this file.

export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
export const BINARY_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/;
export const WORKSPACE_MESSAGE =
  "must be a workspace name (no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters)";

const text = z.string().min(1);
const textList = z.array(text);
const scalar = z.union([z.string(), z.number(), z.boolean()], { error: "must be a string, number or boolean" });

const extraArgs = z.strictObject({ extra_args: z.array(z.string()).optional() });
const argv = z.array(text).min(1);
const envName = z
  .string()
  .regex(ENV_NAME_PATTERN, "must be an environment variable name such as TF_LOG")
  .refine((name) => !isSetForTerraform(name), SET_FOR_TERRAFORM_REASON);

const runValue = z.union(
  [
    text.describe("A command line, split into arguments by quotes; no shell, nothing is expanded."),
    argv.describe("The argument vector, as is."),
    z.strictObject({
      command: z.union([text, argv], { error: "must be a command line or a list of arguments" }),
      env: z.record(envName, z.string()).optional(),
    }),
  ],
  { error: "must be a command line, a list of arguments or a mapping with `command`" },
);

export const stepSchema = z.union(
  [
    z.enum(["init", "plan", "apply"]),
    z.strictObject({ init: extraArgs }),
    z.strictObject({ plan: extraArgs }),
    z.strictObject({ apply: extraArgs }),
    z.strictObject({ run: runValue }),
    z.strictObject({ env: z.strictObject({ name: envName, value: z.string() }) }),
  ],
  { error: "must be init, plan, apply, or a mapping with one of init, plan, apply, run, env" },
);

export const stage = z.strictObject({ steps: z.array(stepSchema).optional() });

/** Named workflows: in `.sluice.yaml`, and (operator-written) in the server config. */
export const workflowsSchema = z.record(text, z.strictObject({ plan: stage.optional(), apply: stage.optional() }));

/** Argo CD's `ignoreDifferences` entry; its camelCase keys are taken as they are pasted. */
const ignoreDifference = z.strictObject({
  group: z.string().optional(),
  kind: text.optional(),
  name: text.optional(),
  namespace: text.optional(),
  json_pointers: textList.optional(),
  jq_path_expressions: textList.optional(),
  jsonPointers: textList.optional(),
  jqPathExpressions: textList.optional(),
});

const helm = z.strictObject({
  release: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/, "must be a Helm release name (lowercase letters, digits, `-`)")
    .optional(),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Kubernetes namespace name")
    .optional(),
  values: textList.optional().describe("Values files, relative to the project dir."),
  set: z.record(text, scalar).optional(),
  secret_set: z
    .record(text, z.string().regex(SECRET_NAME_PATTERN, "must be the NAME of a secret in the server config, not a value"))
    .optional()
    .describe("Helm value path -> the NAME of a secret in the server config (never the secret itself)."),
  ignore: textList.optional().describe("Field paths left out of diffs, e.g. metadata.annotations.checksum/config."),
  ignore_differences: z
    .array(ignoreDifference)
    .optional()
    .describe("As Argo CD's ignoreDifferences: per group/kind/name, json_pointers or jq_path_expressions."),
  api_versions: textList
    .optional()
    .describe("helm template --api-versions: APIs the cluster serves, e.g. monitoring.coreos.com/v1/ServiceMonitor."),
  kube_version: z
    .string()
    .regex(/^v?\d+\.\d+(\.\d+)?$/, "must be a Kubernetes version such as 1.30 or v1.30.2")
    .optional()
    .describe("helm template --kube-version."),
});

const kustomize = z.strictObject({
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Kubernetes namespace name")
    .optional(),
  ignore: textList.optional(),
  ignore_differences: z.array(ignoreDifference).optional(),
});

/** `org/team-slug`, as GitHub names teams in CODEOWNERS and the teams API. */
export const TEAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const requirementSchema = z.enum(["approved", "mergeable", "undiverged", "code_owners", "verified_commits"]);

const drift = z
  .strictObject({
    schedule: cronSchema.optional(),
    on_drift: z.enum(["report", "apply"]).optional().describe("report: open an issue; apply: re-apply git's state."),
    allow_destroy: z.boolean().optional().describe("Let on_drift: apply run plans that destroy or replace resources."),
  })
  .describe("Pull mode: a trusted setting, honoured when the server's allowed_overrides lists drift.");

const preview = z
  .strictObject({
    workspace: z
      .string()
      .optional()
      .describe("Terraform/OpenTofu: the preview's workspace (default pr-{number}); {number} is the pull request's number."),
    namespace: z
      .string()
      .optional()
      .describe("Helm/Kustomize: the preview's own namespace (default pr-{number}), created with it and deleted with it."),
    var_files: textList.optional().describe("Terraform: -var-file paths; Helm: values files. Relative to the project dir."),
    vars: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "must be a variable name or a dotted Helm value key"), scalar)
      .optional()
      .describe("Terraform: -var values; Helm: values set on top of the project's `set`."),
    url_output: text.optional().describe("Terraform: the output holding the preview's URL."),
    url: text
      .optional()
      .describe("The preview's URL, {number} being the pull request's number, e.g. https://pr-{number}.preview.example.com."),
    ttl: z.string().optional().describe("Destroyed this long after the last push, e.g. 72h or 3d."),
    max_age: z.string().optional().describe("Destroyed this long after it was created, whatever happens."),
  })
  .describe("A running copy per pull request: a trusted setting, honoured when the server's allowed_overrides lists preview.");

const project = z.strictObject({
  name: text.optional().describe("Defaults to the dir, plus -WORKSPACE when the workspace is not default."),
  dir: z.string().describe("Relative to the repository root; `.` is the root."),
  workspace: z
    .string()
    .regex(WORKSPACE_NAME, WORKSPACE_MESSAGE)
    .refine((w) => !w.includes(".."), WORKSPACE_MESSAGE)
    .optional(),
  runner: z.enum(["terraform", "opentofu", "helm", "kustomize", "terragrunt"]).optional(),
  autoplan: z
    .strictObject({
      enabled: z.boolean().optional(),
      when_modified: textList.optional().describe("Globs relative to the project dir; `!` excludes."),
    })
    .optional(),
  apply_requirements: z.array(requirementSchema).optional(),
  depends_on: textList.optional(),
  inputs_from: z
    .record(text, z.string())
    .optional()
    .describe("Terraform variable -> PROJECT.OUTPUT: the variable takes that project's output (planned, or from its state)."),
  values_from: z
    .record(text, z.string())
    .optional()
    .describe("Helm value key (dotted, e.g. image.tag) -> PROJECT.OUTPUT: the release's value takes that project's output."),
  execution_order_group: z.number().int().optional(),
  workflow: text.optional(),
  terraform_version: text.optional(),
  terraform_binary: z.string().regex(BINARY_NAME_PATTERN, "must be a binary name such as terraform or tofu, not a path").optional(),
  helm: helm.optional(),
  kustomize: kustomize.optional(),
  allow_destroy: z
    .boolean()
    .optional()
    .describe(
      "Let a destroy plan of this project be applied (`/plan -- -destroy`, or one deleting most of what its state holds). Read from the base branch only.",
    ),
  drift: drift.optional(),
  preview: preview.optional(),
  protect: protectSchema.optional().describe("Added to the server's `protect` for this project (read from the base branch only)."),
  destroy: destroyRuleSchema
    .optional()
    .describe("What a destroy plan of this project needs; honoured when the server's allowed_overrides lists destroy."),
  auto_approve: autoApproveSchema
    .optional()
    .describe("When this project's approval requirement counts as met; honoured when the server's allowed_overrides lists auto_approve."),
  destroy_at: z
    .string()
    .optional()
    .describe("Destroy this project's workspace once at this ISO 8601 time, e.g. 2026-12-31T18:00:00Z (trusted, like preview)."),
  idle_ttl: z
    .string()
    .optional()
    .describe("Destroy this project's workspace this long after its last apply, e.g. 72h or 14d (trusted, like preview)."),
});

export const sluiceConfigSchema = z
  .strictObject({
    version: z.literal(1),
    projects: z.array(project).optional(),
    autodiscover: z
      .strictObject({
        mode: z.enum(["auto", "enabled", "disabled"]).optional(),
        ignore_paths: textList.optional(),
      })
      .optional(),
    parallel_plan: z.boolean().optional(),
    sparse_checkout: z
      .boolean()
      .optional()
      .describe("false: a pull request's worktree holds every file, not only the dirs its plans read (read from the base branch)."),
    parallel_apply: z.boolean().optional(),
    automerge: z.boolean().optional(),
    apply_on: z.enum(["comment", "merge"]).optional(),
    approvals: z.number().int().min(1).max(100).optional(),
    apply_teams: z
      .array(z.string().regex(TEAM_PATTERN, "must be a team as org/team-slug"))
      .optional()
      .describe("Members of these teams (org/team-slug, nested teams included) may apply. Honoured when the server allows the override."),
    workflows: workflowsSchema.optional(),
    drift: drift.optional(),
  })
  .meta({
    title: "Sluice repository config",
    description: "`.sluice.yaml` at the repository root. Read from the base branch.",
  });

export type SluiceConfigInput = z.output<typeof sluiceConfigSchema>;
export type SluiceProjectInput = z.output<typeof project>;
export type SluiceStepInput = z.output<typeof stepSchema>;
