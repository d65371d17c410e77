import { z } from "zod";
import { isForbiddenEnvName } from "../../runners/child-env.js";

/**
 * The server config's `credentials:` rules. Values are references to the server's environment or
 * files, never secrets written in the config; a pull request can neither choose nor widen them.
 */
/** Variables Sluice sets for every run itself (where the plan and the sandbox's home are): not credentials. */
const SET_BY_SLUICE = new Set(["PATH", "HOME", "TMPDIR", "TF_DATA_DIR", "TF_CLI_CONFIG_FILE", "TF_PLUGIN_CACHE_DIR", "TF_IN_AUTOMATION"]);

const variableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")
  .refine((n) => !isForbiddenEnvName(n), "is one of Sluice's own credentials: it never reaches a tool run")
  .refine((n) => !SET_BY_SLUICE.has(n), "is set by Sluice for every run; it is not a credential");

/**
 * `env:NAME` read from one of Sluice's own variables would hand it to every run under another
 * name (a PR's plan included): refused as the names are.
 */
export const notSluiceOwn = (ref: string) => !(ref.startsWith("env:") && isForbiddenEnvName(ref.slice(4)));
export const SLUICE_OWN_REF = {
  error: (issue: { input?: unknown }) => `${String(issue.input)} is one of Sluice's own credentials: it never reaches a tool run`,
};

const valueRef = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/, "must be env:VARIABLE or file:/absolute/path")
  .refine(notSluiceOwn, SLUICE_OWN_REF);

const absolute = z
  .string()
  .regex(/^\/[^\0]*$/, "must be an absolute path")
  .refine((p) => !p.split("/").includes(".."), "must not contain ..");

/** Where a file may appear inside the sandbox: not over what the sandbox itself provides. */
const sandboxTarget = absolute.refine(
  (p) => p !== "/" && !/^\/(proc|dev)(\/|$)/.test(p),
  "must be a path of its own inside the sandbox (not /, /proc or /dev)",
);

const uuid = z.string().regex(/^[0-9a-fA-F-]{36}$/, "a GUID such as 00000000-0000-0000-0000-000000000000");

const oidc = z
  .strictObject({
    audience: z.string().min(1),
    aws_role_arn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "an IAM role ARN such as arn:aws:iam::123456789012:role/NAME")
      .optional(),
    gcp_provider: z
      .string()
      .regex(
        /^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]+\/providers\/[a-z0-9-]+$/,
        "projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER",
      )
      .optional(),
    gcp_service_account: z.email("a service account e-mail address").optional(),
    azure_client_id: uuid.optional(),
    azure_tenant_id: uuid.optional(),
    token_path: sandboxTarget.optional(),
  })
  .refine((o) => (o.azure_client_id === undefined) === (o.azure_tenant_id === undefined), {
    message: "give both azure_client_id and azure_tenant_id, or neither",
  })
  .refine((o) => o.gcp_service_account === undefined || o.gcp_provider !== undefined, {
    message: "gcp_service_account needs gcp_provider (the workload identity pool provider)",
  })
  .refine((o) => o.aws_role_arn || o.gcp_provider || o.azure_client_id || o.token_path, {
    message: "name where the token goes: aws_role_arn, gcp_provider, azure_client_id/azure_tenant_id or token_path",
  });

/** A record whose keys are checked one by one: a record's own key check would only say "Invalid key". */
function keysChecked(key: z.ZodType<string>, value: z.ZodType<string>) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const k of Object.keys(record)) {
      const checked = key.safeParse(k);
      if (!checked.success) ctx.addIssue({ code: "custom", path: [k], message: checked.error.issues[0]?.message ?? "invalid" });
    }
  });
}

export const credentialSetSchema = z.strictObject({
  env: keysChecked(variableName, valueRef).default({}),
  pass_env: z.array(variableName).default([]),
  files: keysChecked(sandboxTarget, absolute).default({}),
  oidc: oidc.optional(),
});

export const credentialRuleSchema = z.strictObject({
  match: z.string().min(1).describe("REPO_GLOB or REPO_GLOB:PROJECT_GLOB"),
  plan: credentialSetSchema.optional(),
  apply: credentialSetSchema.optional(),
  /** A preview's runs (`phase:preview-plan|preview-apply`): never the production sets above. */
  preview: z.strictObject({ plan: credentialSetSchema.optional(), apply: credentialSetSchema.optional() }).optional(),
});

/** Server `new_projects`: what a project the base branch does not have gets (credentials: none unless set here). */
export const newProjectsSchema = z.strictObject({
  credentials: z.strictObject({ plan: credentialSetSchema.optional(), apply: credentialSetSchema.optional() }).optional(),
  /**
   * The cluster a new Helm or Kustomize project plans and applies with, as a `kubeconfigs` value
   * (one path, or `{apply, plan}`); none: a new project has no cluster. The repository's
   * `kubeconfigs` are its base branch's projects' credentials, never a new one's.
   */
  kubeconfig: z
    .preprocess(
      (given) => (typeof given === "string" ? { apply: given, plan: given } : given),
      z.strictObject({ apply: z.string().min(1), plan: z.string().min(1).optional() }),
    )
    .optional(),
});
