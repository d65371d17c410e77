import type { Tx, TxBody } from "./db.js";
import { baseline } from "./migration-1-baseline.js";
import { jobColumns } from "./migration-2-job-columns.js";
import { signingKeysTable } from "./migration-3-signing-keys.js";
import { previews } from "./migration-4-previews.js";
import { apiTokensTable } from "./migration-5-api-tokens.js";
import { stateHoldsTable } from "./migration-6-state-holds.js";
import { stateHoldBackend } from "./migration-7-state-hold-backend.js";
import { headPushesTable } from "./migration-8-head-pushes.js";
import { headPusherIds } from "./migration-9-head-pusher-ids.js";
import { planShownAt } from "./migration-10-plan-shown-at.js";
import { resultShownAt } from "./migration-11-result-shown-at.js";
import { repositoriesTable } from "./migration-12-repositories.js";
import { formerNamesTable } from "./migration-13-former-names.js";
import { applySettled } from "./migration-14-apply-settled.js";
import { repositoryMovedAt } from "./migration-15-repository-moved-at.js";
import { ssoSessionColumns } from "./migration-16-sso-sessions.js";
import { policyApproverIds } from "./migration-17-policy-approver-ids.js";
import { apiTokenIssuers } from "./migration-18-api-token-issuers.js";
import { ssoLogoutTokensTable } from "./migration-19-sso-logout-tokens.js";
import { apiTokenIssuerUrls } from "./migration-20-api-token-issuer-urls.js";
import { ssoOtherRevoked } from "./migration-21-sso-other-revoked.js";
import { liveStateCount } from "./migration-22-live-state-count.js";

export interface Migration {
  /** 1, 2, 3…: applied in this order, each once per database. */
  version: number;
  name: string;
  /** Runs inside the migration's transaction; DDL written once with `t.dialect.types`. */
  up(t: Tx): TxBody<void>;
}

/** The schema's history. Append only: a migration that shipped is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "baseline: the tables of earlier releases, reconciled", up: baseline },
  { version: 2, name: "jobs: repo, pr, kind and source columns", up: jobColumns },
  { version: 3, name: "signing_keys: the OIDC issuer's keys, shared by replicas", up: signingKeysTable },
  { version: 4, name: "previews", up: previews },
  { version: 5, name: "api_tokens: tokens of the API, stored as digests", up: apiTokensTable },
  { version: 6, name: "state_holds: states terraform could not save, and their held projects", up: stateHoldsTable },
  { version: 7, name: "state_holds: the backend that refused the kept state", up: stateHoldBackend },
  { version: 8, name: "head_pushes: who pushed each head of a pull request", up: headPushesTable },
  { version: 9, name: "head_pushes: the pusher's account id, which a rename does not change", up: headPusherIds },
  { version: 10, name: "plans: when a drift check's plan was shown on its issue", up: planShownAt },
  { version: 11, name: "job_results: when a job's final comment was posted, on GitHub's clock", up: resultShownAt },
  { version: 12, name: "repositories: the name each repository id was last heard under", up: repositoriesTable },
  { version: 13, name: "repository_former_names: names a repository was moved away from", up: formerNamesTable },
  { version: 14, name: "applies: who settled a failed apply by `/unlock`, and when", up: applySettled },
  { version: 15, name: "repositories: when the last move followed was made on GitHub", up: repositoryMovedAt },
  { version: 16, name: "console_sessions: an SSO session's subject, groups, last check and sealed tokens", up: ssoSessionColumns },
  { version: 17, name: "policy_approvals: the approver's account id, which a rename does not change", up: policyApproverIds },
  { version: 18, name: "api_tokens: the provider and subject of the SSO user who issued each", up: apiTokenIssuers },
  { version: 19, name: "sso_logout_tokens: back-channel logout tokens taken, until they expire", up: ssoLogoutTokensTable },
  {
    version: 20,
    name: "api_tokens: the issuer of the SSO user who issued each, which a provider's renaming does not change",
    up: apiTokenIssuerUrls,
  },
  { version: 21, name: "console_sessions: when Sluice last revoked another session's token of the same SSO user", up: ssoOtherRevoked },
  { version: 22, name: "live_applies: the state count each apply read back, and whether it applied a teardown", up: liveStateCount },
];
