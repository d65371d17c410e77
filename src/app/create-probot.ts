import type { Logger } from "pino";
import { Probot, ProbotOctokit } from "probot";
import type { EnvConfig } from "../config/env-config.js";

/** The HTTP thread's Probot (GitHub auth, webhooks); the job thread has src/vcs/github/github-app.ts. */
export function createProbot(env: Pick<EnvConfig, "appId" | "privateKey" | "webhookSecret" | "baseUrl">, log: Logger): Probot {
  return new Probot({
    appId: env.appId,
    privateKey: env.privateKey,
    secret: env.webhookSecret,
    baseUrl: env.baseUrl,
    log: log.child({ name: "probot" }),
    // Our adapter retries what is safe to retry, honouring retry-after; Probot's plugins would retry
    // blindly, and its write throttle spaces every comment edit a second apart. A function, because
    // Probot layers its own throttle options over plain defaults.
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...(options.throttle as object), enabled: false },
    })),
  });
}
