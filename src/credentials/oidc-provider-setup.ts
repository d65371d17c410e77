import { join } from "node:path";
import type { OidcSettings } from "../model/credentials.js";

/** What a run's tools need to find the token, by each provider's own conventions (pure). */
export interface ProviderSetup {
  env: Record<string, string>;
  /** Files to write next to the token (name in the run's dir -> content). */
  files: Record<string, string>;
  /** The token file shown at another path inside the sandbox (`token_path`). */
  mounts: { source: string; target: string }[];
}

/** AWS allows 2-64 characters of `[\w+=,.@-]` in a role session name. */
export function sessionName(raw: string): string {
  const clean = raw.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
  return clean.length >= 2 ? clean : `sluice-${clean}`;
}

export function oidcProviderSetup(oidc: OidcSettings, runDir: string, tokenFile: string, session: string): ProviderSetup {
  const env: Record<string, string> = {};
  const files: Record<string, string> = {};
  const mounts: ProviderSetup["mounts"] = [];
  if (oidc.aws_role_arn) {
    env.AWS_ROLE_ARN = oidc.aws_role_arn;
    env.AWS_WEB_IDENTITY_TOKEN_FILE = tokenFile;
    env.AWS_ROLE_SESSION_NAME = sessionName(session);
  }
  if (oidc.gcp_provider) {
    const name = "gcp-credentials.json";
    files[name] = JSON.stringify(
      {
        type: "external_account",
        audience: `//iam.googleapis.com/${oidc.gcp_provider}`,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: "https://sts.googleapis.com/v1/token",
        ...(oidc.gcp_service_account
          ? {
              service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${oidc.gcp_service_account}:generateAccessToken`,
            }
          : {}),
        credential_source: { file: tokenFile, format: { type: "text" } },
      },
      null,
      2,
    );
    env.GOOGLE_APPLICATION_CREDENTIALS = join(runDir, name);
  }
  if (oidc.azure_client_id && oidc.azure_tenant_id) {
    env.ARM_USE_OIDC = "true";
    env.ARM_OIDC_TOKEN_FILE_PATH = tokenFile;
    env.ARM_CLIENT_ID = oidc.azure_client_id;
    env.ARM_TENANT_ID = oidc.azure_tenant_id;
  }
  if (oidc.token_path) mounts.push({ source: tokenFile, target: oidc.token_path });
  return { env, files, mounts };
}

/** The identity a comment may show: which role, provider or path, never a token. */
export function oidcIdentity(oidc: OidcSettings): string {
  const parts = [
    oidc.aws_role_arn && `AWS role ${oidc.aws_role_arn}`,
    oidc.gcp_provider &&
      `Google Cloud ${oidc.gcp_service_account ? `service account ${oidc.gcp_service_account} via ` : ""}${oidc.gcp_provider}`,
    oidc.azure_client_id && `Azure client ${oidc.azure_client_id} (tenant ${oidc.azure_tenant_id})`,
    oidc.token_path && `token at ${oidc.token_path}`,
  ].filter(Boolean);
  return `OIDC (audience ${oidc.audience}): ${parts.join(", ")}`;
}
