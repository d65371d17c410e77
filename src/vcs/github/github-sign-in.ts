import { OAuthApp } from "@octokit/oauth-app";
import { Octokit } from "@octokit/rest";
import type { Permission } from "../../model/pull-request.js";
import { type RepoAccess, type SignInPort, SignInExpired } from "../../console/sign-in-port.js";
import { errorMessage } from "../../util/errors.js";

export interface GitHubSignInOptions {
  clientId: string;
  clientSecret: string;
  /** REST base URL (GitHub Enterprise or the simulator); the OAuth pages live at its web root. */
  baseUrl?: string;
  requestTimeoutMs?: number;
}

function permissionOf(
  p: { admin?: boolean; maintain?: boolean; push?: boolean; triage?: boolean; pull?: boolean } | undefined,
): Permission {
  if (!p) return "read";
  if (p.admin) return "admin";
  if (p.maintain) return "maintain";
  if (p.push) return "write";
  if (p.triage) return "triage";
  return p.pull ? "read" : "none";
}

/** An installation as people know it: its account's login (an enterprise's name), else its id. */
function accountOf(installation: { id: number; account?: { login?: string; name?: string | null } | null }): string {
  return installation.account?.login ?? installation.account?.name ?? `installation ${installation.id}`;
}

/** GitHub sign-in through the App's OAuth client (`@octokit/oauth-app`), user calls with `@octokit/rest`. */
export function createGitHubSignIn(opts: GitHubSignInOptions): SignInPort {
  // A console page waits for these answers: a GitHub that does not answer fails the page, not hangs it.
  const timeoutMs = opts.requestTimeoutMs ?? 15_000;
  const timedFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
  const GitHub = Octokit.defaults({ baseUrl: opts.baseUrl ?? "https://api.github.com", request: { fetch: timedFetch } });
  // The authorize URL and the code exchange go to the web root of the Octokit's baseUrl (GitHub
  // Enterprise, the simulator): the OAuth app's own `baseUrl` option does not reach them.
  const app = new OAuthApp({ clientType: "github-app", clientId: opts.clientId, clientSecret: opts.clientSecret, Octokit: GitHub });
  // Each user's token has its own rate limit: not the one sluice_github_rate_limit_remaining reports.
  const userOctokit = (token: string) => new GitHub({ auth: token });
  const expiredOr = (e: unknown): never => {
    if ((e as { status?: number }).status === 401) throw new SignInExpired("GitHub no longer accepts this sign-in");
    throw e;
  };

  return {
    authorizeUrl(state, redirectUrl) {
      return app.getWebFlowAuthorizationUrl({ state, redirectUrl }).url;
    },
    async signIn(code, state, redirectUrl) {
      const { authentication } = await app.createToken({ code, state, redirectUrl });
      const { data } = await userOctokit(authentication.token).rest.users.getAuthenticated().catch(expiredOr);
      return { login: data.login, id: data.id, token: authentication.token, expiresAt: authentication.expiresAt };
    },
    async userId(token, login) {
      const answer = await userOctokit(token)
        .rest.users.getByUsername({ username: login })
        .catch((e: unknown) => ((e as { status?: number }).status === 404 ? undefined : expiredOr(e)));
      return answer?.data.id;
    },
    async repos(token) {
      const octokit = userOctokit(token);
      const installations = await octokit
        .paginate(octokit.rest.apps.listInstallationsForAuthenticatedUser, { per_page: 100 })
        .catch(expiredOr);
      const repos: RepoAccess[] = [];
      const refused: string[] = [];
      for (const installation of installations) {
        const list = await octokit
          .paginate(octokit.rest.apps.listInstallationReposForAuthenticatedUser, { installation_id: installation.id, per_page: 100 })
          .catch((e: unknown) => {
            // One organization refusing (its SAML single sign-on, an IP allow list) hides its
            // repositories, not the others': none of its repositories is readable here.
            if ((e as { status?: number }).status !== 403) return expiredOr(e);
            refused.push(`${accountOf(installation)}: ${errorMessage(e).slice(0, 300)}`);
            return [];
          });
        for (const r of list) repos.push({ fullName: r.full_name, permission: permissionOf(r.permissions) });
      }
      return { repos, refused };
    },
  };
}
