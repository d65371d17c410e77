import { createApi } from "../api/create-api.js";
import { auditSinks } from "../audit/audit-sinks.js";
import type { EnvConfig } from "../config/env-config.js";
import { explainSettings } from "../config/explain-settings.js";
import { changeControlOf } from "../authorization/change-control-of.js";
import { type ConsoleDeps, createConsole } from "../console/create-console.js";
import type { Metrics } from "../console/metrics.js";
import { startSsoProviders } from "../sso/sso-providers.js";
import { createGitHubSignIn } from "../vcs/github/github-sign-in.js";
import type { Runtime } from "./build-runtime.js";

/**
 * Sign-in, pages, live logs and /metrics, and the API under /api/v1/, on the app's port
 * (docs/design.md, "Console"): one set of deps, so the API sees the same store, SSO providers and
 * server settings as the pages.
 */
export function createConsoleSurfaces(
  env: EnvConfig,
  { config, consoleEnv, store, log }: Pick<Runtime, "config" | "consoleEnv" | "store" | "log">,
  parts: { metrics: Metrics; wake: () => void; wakeAudit: () => void },
) {
  const sso = startSsoProviders(config.sso, { publicUrl: consoleEnv.publicUrl, env: process.env, log: log.child({ name: "sso" }) });
  const consoleDeps: ConsoleDeps = {
    sso: sso.providers,
    store,
    env: consoleEnv,
    signIn: consoleEnv.oauth ? createGitHubSignIn({ ...consoleEnv.oauth, baseUrl: env.baseUrl }) : undefined,
    metrics: parts.metrics,
    config,
    explain: (repo) => explainSettings(config, repo),
    changeControl: (repo) => changeControlOf(config, repo, new Date()),
    githubWebUrl: env.baseUrl ? env.baseUrl.replace(/\/api\/v3\/?$/, "") : "https://github.com",
    wake: parts.wake,
    log: log.child({ name: "console" }),
    auditSinks: auditSinks(config).map((s) => ({ name: s.name, label: s.label })),
    wakeAudit: parts.wakeAudit,
  };
  const operationsConsole = createConsole(consoleDeps);
  // The API under /api/v1/: answers 404 to everything unless server config `api.enabled`.
  const api = createApi({ ...consoleDeps, sso: sso.providers, enabled: config.api.enabled, maxTokenDays: config.api.max_token_days });
  return { sso, operationsConsole, api };
}
