/** Which credentials a tool run gets: a plan (and drift check) runs the PR's code before review. */
export type CredentialPhase = "plan" | "apply";

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
}

/** What the token says about the run it was minted for (the `sub` is built from these). */
export interface RunClaims {
  repository: string;
  project: string;
  workspace: string;
  phase: CredentialPhase;
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
