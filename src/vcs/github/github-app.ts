import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import type { Logger } from "pino";
import type { EnvConfig } from "../../config/env-config.js";

/**
 * GitHub as the App and as one of its installations, for the job thread. The HTTP thread has
 * Probot (webhooks, manifest set-up); the job thread only needs tokens and REST calls: this is the
 * auth strategy Probot uses, without the rest of Probot (whose import made the job thread's module
 * graph hold ~12 MB more, measured in a process of its own).
 */
export interface GitHubApp {
  /** Authenticated as the App (a JWT): `/app` calls only. */
  app(): Octokit;
  /** Authenticated as one installation; its token is cached and renewed before it expires, shared by every call. */
  installation(installationId: number): Promise<Octokit>;
}

export function createGitHubApp(env: Pick<EnvConfig, "appId" | "privateKey" | "baseUrl">, log: Logger): GitHubApp {
  const github = log.child({ name: "github" });
  // Each request's line at debug, as under Probot: the adapter says what failed and what it retries.
  const quiet = (message: string) => github.debug(message);
  const options = {
    ...(env.baseUrl ? { baseUrl: env.baseUrl } : {}),
    userAgent: "sluice",
    log: { debug: quiet, info: quiet, warn: (message: string) => github.warn(message), error: quiet },
  };
  const app = new Octokit({ ...options, authStrategy: createAppAuth, auth: { appId: env.appId, privateKey: env.privateKey } });
  return {
    app: () => app,
    installation: (installationId) =>
      app.auth({
        type: "installation",
        installationId,
        // The App's auth state (its token cache among it) carried into the installation's Octokit.
        factory: ({ octokit: _app, octokitOptions: _options, ...auth }: Record<string, unknown>) =>
          new Octokit({ ...options, authStrategy: createAppAuth, auth }),
      }) as Promise<Octokit>,
  };
}
