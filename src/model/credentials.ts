/** Which credentials a tool run gets: a plan (and drift check) runs the PR's code before review. */
export type CredentialPhase = "plan" | "apply" | "preview-plan" | "preview-apply";

/** The OIDC part of a credential set: Sluice mints a token for the run, with provider conventions. */
export interface OidcSettings {
  audience: string;
  aws_role_arn?: string;
  /** `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`. */
  gcp_provider?: string;
  gcp_service_account?: string;
  azure_client_id?: string;
  azure_tenant_id?: string;
  /** Where inside the sandbox a plain token file is put (Vault JWT auth, anything else). */
  token_path?: string;
}

/** One phase's credentials as the server config gives them (values are references, never secrets). */
export interface CredentialSet {
  /** Variable name -> `env:VAR` (the server's environment) or `file:/path` (a file on the server). */
  env: Record<string, string>;
  /** Server variables passed through unchanged (workload identity of the server's own pod). */
  pass_env: string[];
  /** Path inside the sandbox -> file on the server, mounted read-only. */
  files: Record<string, string>;
  oidc?: OidcSettings;
}

/** A `credentials:` rule of the server config; the first whose `match` fits a project wins. */
export interface CredentialRule {
  match: string;
  plan?: CredentialSet;
  apply?: CredentialSet;
  /** A preview's sets: a preview never gets `plan` or `apply` (production's). */
  preview?: { plan?: CredentialSet; apply?: CredentialSet };
}

/** The set of a rule for one phase: a preview's come from its `preview:` key only. */
export function credentialSetFor(rule: CredentialRule, phase: CredentialPhase): CredentialSet | undefined {
  if (phase === "preview-plan") return rule.preview?.plan;
  if (phase === "preview-apply") return rule.preview?.apply;
  return rule[phase];
}

/** What the token says about the run it was minted for (the `sub` is built from these). */
export interface RunClaims {
  repository: string;
  project: string;
  workspace: string;
  phase: CredentialPhase;
  /** The project is new (not on the base branch): `project` is its dir and the `sub` says `new-project`. */
  new_project?: boolean;
  pull_request?: number;
  drift_issue?: number;
  head_sha: string;
  base_ref: string;
  actor: string;
  /** Apply only: who approved the pull request. */
  approvers?: string[];
}

/**
 * Credentials made ready for one run: what its tools get on top of the allowlisted environment,
 * the server files mounted read-only into its sandbox, and how its comment names them.
 */
export interface RunCredentials {
  env: Record<string, string>;
  mounts: { source: string; target: string }[];
  /** Names only, never a value: `acme/*:prod (apply): AWS role arn:…`; "" when the project has no rule. */
  identity: string;
  /** Removes the token files; called when the run ends, however it ends. */
  dispose(): Promise<void>;
}

/** The rule that gives a project its credentials, and how comments name it. */
export type CredentialChoice =
  | {
      rule: CredentialRule;
      index: number;
      name: string;
      /** The project's name in its token's `sub`: its trusted identity's name, or a new project's dir. */
      subject: string;
      /** A new project's token says so in its `sub` (`:new-project:DIR:`), so no trust policy of a named project accepts it. */
      newProject?: boolean;
    }
  | { rule?: undefined; why: string };
