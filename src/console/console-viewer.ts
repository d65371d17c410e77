import { accessFromGrants, grantsFromGroups, holdsEverywhere } from "../sso/role-grants.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import type { ConsoleDeps, Viewer } from "./console-context.js";
import { type ConsoleSession, sessionKey } from "./console-session.js";
import { type SessionEnd, ssoSessionRechecks } from "./sso-session-recheck.js";
import { readable as principalReads } from "./principal.js";
import type { RepoAccessCache } from "./repo-access.js";
import type { SessionEnding } from "./session-end.js";
import { SignInExpired } from "./sign-in-port.js";
import { lookupThrottle, namesAccount } from "../policy/named-people.js";

/**
 * Who a console session's user is, asked again on every request and while a live log stays open:
 * an SSO user by the roles the server config gives their groups now, a GitHub user by what GitHub
 * lets them read.
 */
export function consoleViewers(
  deps: Pick<ConsoleDeps, "store" | "config" | "env" | "log" | "signIn">,
  sso: ReadonlyMap<string, SsoProvider>,
  access: RepoAccessCache | undefined,
  githubOn: () => boolean,
  now: () => number,
  endSessionOf: SessionEnding["endSessionOf"],
) {
  const { store } = deps;
  const rechecks = ssoSessionRechecks({ store, sessionSecret: deps.env.sessionSecret, now, log: deps.log, endSessionOf });

  /**
   * Who a session's user is now and what they may read, or why the session is over. The store
   * decides on every call: a session signed out (on any replica) or expired is over, whatever
   * cookie comes with it. Throws when GitHub cannot say (other than that the sign-in expired).
   */
  async function viewerOfSession(s: ConsoleSession): Promise<Viewer | { over: string; end?: SessionEnd }> {
    const key = s.sid ? sessionKey(s.sid) : undefined;
    const open = s.login && key ? await store.consoleSession(key) : undefined;
    if (!s.login || !s.sid || !key || !open || open.login.toLowerCase() !== s.login.toLowerCase()) return { over: "sign in first" };
    // The store's expiry on the console's clock too (a shorter one where the provider gave no refresh token).
    if (Date.parse(open.expiresAt) <= now()) return { over: "your sign-in ran out: sign in again", end: "expired" };
    if (s.sso !== undefined) {
      // A provider taken out of the server config signs its users out, as does one of the same
      // name now pointed at another issuer or client (its groups would be another provider's,
      // mapped by this one's roles); a session from before the store kept its groups (they were
      // in the cookie) or named their issuer needs one new sign-in.
      const provider = sso.get(s.sso);
      const from = s.ssoFrom;
      const facts = open.sso;
      if (
        !provider ||
        !facts ||
        facts.provider !== s.sso ||
        from?.issuer !== provider.settings.issuer ||
        from.clientId !== provider.settings.client_id
      )
        return { over: "sign in again" };
      const current = await rechecks.groupsNow(provider, s.sid, key, { ...open, sso: facts });
      if ("over" in current) return current;
      // The roles as the server config gives them now, of the groups the provider last named.
      const grants = grantsFromGroups(provider.settings.roles, current.groups);
      return {
        login: s.username ?? s.login,
        actor: s.login,
        sso: { provider: s.sso, issuer: provider.settings.issuer, subject: facts.subject },
        via: `the console (SSO ${s.sso})`,
        session: s,
        access: accessFromGrants(grants, await store.knownRepos()),
        admin: holdsEverywhere(grants, "admin"),
        mayPause: holdsEverywhere(grants, "operator"),
        granted: true,
      };
    }
    // GitHub sign-in turned off: its sessions are over too.
    if (!s.token || !githubOn() || !access) return { over: "sign in first" };
    // A session from before sessions kept the account id: who it is is known by login only.
    if (s.userId === undefined) return { over: "sign in again" };
    try {
      const repos = await access.of(s.login, s.token);
      const admin = await isAdmin(s.token, { login: s.login, id: s.userId });
      return {
        login: s.login,
        actor: s.login,
        actorId: s.userId,
        via: "the console",
        token: s.token,
        session: s,
        access: repos.access,
        unlisted: repos.refused,
        admin,
        mayPause: admin,
        granted: false,
      };
    } catch (e) {
      if (!(e instanceof SignInExpired)) throw e;
      access.forget(s.login);
      return { over: "your GitHub sign-in expired: sign in again" };
    }
  }

  // A login no account has (or GitHub down) is asked about once a minute, not on every page.
  const mayAsk = lookupThrottle();

  /**
   * A server admin, by account id: a login an admin gave up and someone else registered is not
   * them. A login never resolved is resolved with the viewer's own token (GitHub answers anyone).
   */
  async function isAdmin(token: string, who: { login: string; id: number }): Promise<boolean> {
    const { signIn } = deps;
    if (!signIn) return false;
    // The logger itself, its methods called on it: pino's need their `this`.
    const people = { store, log: deps.log, userId: (login: string) => signIn.userId(token, login), mayAsk };
    return namesAccount(people, deps.config.admins, who);
  }

  /**
   * Whether `v`'s session may still read `repo`, asked again while a request stays open (a live
   * log): as viewerOf decides for a new request (GitHub's answer cached for `accessTtlMs`). Any
   * doubt (GitHub not answering) is a no.
   */
  async function stillReads(v: Viewer, repo: string): Promise<boolean> {
    try {
      const now = await viewerOfSession(v.session);
      return !("over" in now) && principalReads(now, repo);
    } catch {
      return false;
    }
  }

  return { viewerOfSession, stillReads };
}
