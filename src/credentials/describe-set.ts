import type { CredentialSet } from "../model/credentials.js";
import { oidcIdentity } from "./oidc-provider-setup.js";

/** Names only: what the run got, for comments and the console. */
export function describeSet(set: CredentialSet): string {
  const parts = [
    set.oidc && oidcIdentity(set.oidc),
    Object.keys(set.env).length > 0 && `env ${Object.keys(set.env).join(", ")}`,
    set.pass_env.length > 0 && `pass_env ${set.pass_env.join(", ")}`,
    Object.keys(set.files).length > 0 && `files ${Object.keys(set.files).join(", ")}`,
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : "nothing";
}
