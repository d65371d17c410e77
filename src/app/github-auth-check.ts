import type { ReadinessCheck } from "./readiness.js";
import { classifyGitHubFault } from "../vcs/github-fault.js";
import { oneAtATime } from "../util/one-at-a-time.js";

export interface AppIdentity {
  id: number;
  slug?: string;
  name?: string;
  permissions: Record<string, string | undefined>;
}

export type GitHubAuthState =
  | { state: "checking" }
  | { state: "ok"; app: AppIdentity; at: number }
  | { state: "failed"; reason: string; at: number };

export interface GitHubAuthCheckOptions {
  /** `GET /app` with the app's JWT. */
  getApp: () => Promise<AppIdentity>;
  apiBase: string;
  appId: string;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** After a failure, `/readyz` asks GitHub again at most this often. */
  retryAfterMs?: number;
  now?: () => number;
}

/** What a failed `GET /app` means for the operator, without blaming GitHub for a local fault. */
export function describeAuthFailure(e: unknown, apiBase: string, appId: string): string {
  const fault = classifyGitHubFault(e);
  switch (fault.kind) {
    case "unreachable":
      return `could not reach GitHub at ${apiBase} from this server (${fault.detail}); this is a network, DNS, proxy or GHE_HOST problem on this side, not an answer from GitHub`;
    case "rejected":
      return `GitHub rejected the app's credentials (${fault.status}: ${fault.detail}); check that APP_ID (${appId}) is the app's id and PRIVATE_KEY is a current key of that app (a key deleted on GitHub stops working)`;
    case "github":
      return `GitHub answered ${fault.status} to GET /app (${fault.detail}); GitHub may be having trouble, try again later`;
    case "other":
      return `the app's credentials could not be checked: ${fault.detail}`;
  }
}

/**
 * Checks the app's credentials once at start (`GET /app` with the app JWT) and keeps the answer
 * for `/readyz`. A failure is asked again, at most once a minute, when `/readyz` is called: a
 * network blip at start must not keep the replica unready for good.
 */
export function createGitHubAuthCheck(opts: GitHubAuthCheckOptions) {
  const now = opts.now ?? Date.now;
  const retryAfter = opts.retryAfterMs ?? 60_000;
  let current: GitHubAuthState = { state: "checking" };
  const run = oneAtATime(() =>
    opts
      .getApp()
      .then(
        (app): GitHubAuthState => {
          opts.log.info(
            { appId: app.id, slug: app.slug },
            `GitHub accepted the app's credentials: app ${app.slug ?? app.id} at ${opts.apiBase}`,
          );
          return { state: "ok", app, at: now() };
        },
        (e: unknown): GitHubAuthState => {
          const reason = describeAuthFailure(e, opts.apiBase, opts.appId);
          opts.log.error({ appId: opts.appId }, `GitHub auth check failed: ${reason}`);
          return { state: "failed", reason, at: now() };
        },
      )
      .then((s) => {
        current = s;
        return s;
      }),
  );

  const readiness: ReadinessCheck = {
    name: "github",
    async check() {
      if (current.state === "failed" && now() - current.at >= retryAfter) void run();
      if (current.state === "ok") return { ok: true, detail: `app ${current.app.slug ?? current.app.id}` };
      if (current.state === "failed") return { ok: false, reason: current.reason };
      return { ok: false, reason: "checking the app's credentials with GitHub (GET /app)" };
    },
  };

  return { start: run, state: () => current, readiness };
}
