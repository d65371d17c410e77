import { setTimeout as sleep } from "node:timers/promises";
import type { OpenConsoleSession, SsoSessionFacts, SsoSessionTokens } from "../model/sso-session.js";
import { openSessionTokens, sealSessionTokens } from "../sso/session-tokens.js";
import { ProviderUnavailable, type Recheck, recheckWithProvider } from "../sso/session-recheck.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import type { Store } from "../store/store.js";
import { revokeTokensOfDemotedUser } from "./demoted-user-tokens.js";
import { revokeTokensOfRefusedUser } from "./refused-user-tokens.js";
import type { SessionEnding } from "./session-end.js";

/** Why a session ended, as the sign-in page says it (`/login?ended=`): a fixed key, never a link's text. */
export type SessionEnd = "refused" | "expired";

/**
 * A refusal counts against the user (their sessions end, their API tokens are revoked) only when
 * the provider last answered for the session within this many `recheck_every`s: a session in use
 * is asked every `recheck_every`, so its refresh token was good a moment ago and a refusal now is
 * the provider's word on the user, not a token that expired while the console sat unused.
 */
const IDLE_RECHECKS = 2;

/** How long one request's check with the provider may hold the session's claim. */
const CLAIM_MS = 30_000;
/** How often a request waiting for another's check looks for its answer. */
const WAIT_POLL_MS = 100;

/** The groups a session stands on now, or why it is over. */
type SessionNow = { groups: string[] } | { over: string; end?: SessionEnd };

export interface SsoRecheckDeps {
  store: Pick<
    Store,
    | "claimSsoCheck"
    | "consoleSession"
    | "recordSsoCheck"
    | "releaseSsoCheck"
    | "endSsoSessions"
    | "revokeApiTokensIssuedBy"
    | "apiTokens"
    | "revokeApiToken"
    | "recordAudit"
    | "knownRepos"
  >;
  sessionSecret: string;
  now: () => number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Ends a session (its token revoked at the provider): src/console/session-end.ts. */
  endSessionOf: SessionEnding["endSessionOf"];
}

/**
 * The groups an SSO session stands on now, or why it is over. Once `recheck_every` has passed
 * since the provider last answered for the user, the provider is asked again (one request, on
 * one replica, at a time: the others wait for its answer, at most 30 s); its answer replaces the
 * groups for every copy of the cookie. A provider that refuses the user ends the session and
 * revokes the API tokens the user issued; one that cannot be asked throws ProviderUnavailable (the request is refused, the session kept).
 */
export function ssoSessionRechecks(deps: SsoRecheckDeps) {
  const inFlight = new Map<string, Promise<SessionNow>>();

  /**
   * Takes the session's check, or waits for the answer of the request (on another replica) that
   * holds it: a request is never answered on groups the provider was due to confirm, however long
   * that check hangs. The facts to check with once taken, else the other's answer.
   */
  async function claimOrWait(
    provider: SsoProvider,
    sid: string,
    key: string,
    first: SsoSessionFacts,
  ): Promise<SessionNow | { facts: SsoSessionFacts; tokens: SsoSessionTokens }> {
    const giveUp = deps.now() + CLAIM_MS;
    let facts = first;
    for (;;) {
      const tokens = facts.sealedTokens ? openSessionTokens(facts.sealedTokens, deps.sessionSecret, sid, key) : undefined;
      // Sealed under another session secret (changed since): nothing to ask with.
      if (!tokens) return end(provider, sid, "expired", `its tokens cannot be opened (the session secret changed): sign in again`);
      const at = deps.now();
      if (await deps.store.claimSsoCheck(key, facts.checkedAt, new Date(at).toISOString(), new Date(at + CLAIM_MS).toISOString()))
        return { facts, tokens };
      if (at >= giveUp) throw new ProviderUnavailable(`another check of this session with ${provider.name} has not answered`);
      await sleep(WAIT_POLL_MS);
      const row = await deps.store.consoleSession(key);
      // Ended meanwhile: the provider refused the user, or logged them out.
      if (!row?.sso) return { over: "sign in again" };
      if (row.sso.checkedAt !== facts.checkedAt) return { groups: row.sso.groups };
      facts = row.sso;
    }
  }

  async function ask(provider: SsoProvider, sid: string, key: string, login: string, due: SsoSessionFacts): Promise<SessionNow> {
    const client = provider.client();
    if (!client) throw new ProviderUnavailable(`${provider.name} is not ready (see /readyz)`);
    const claimed = await claimOrWait(provider, sid, key, due);
    if (!("tokens" in claimed)) return claimed;
    const { facts, tokens } = claimed;
    let answer: Recheck;
    try {
      answer = await recheckWithProvider(provider, client, tokens, facts.subject, deps.now());
    } catch (e) {
      await deps.store.releaseSsoCheck(key);
      throw e;
    }
    if (answer.kind === "ok") return answered(provider, { sid, key, login }, facts, answer);
    if (answer.kind === "ended") {
      deps.log.info({ user: login, provider: provider.name, reason: answer.reason }, "SSO session ended: sign in again");
      return end(provider, sid, "expired", `your sign-in with ${provider.name} ended (${answer.reason}): sign in again`);
    }
    if (await revokedBeside(key, facts)) {
      // A provider that revokes the user's other grants with one token (Keycloak before 26.1,
      // keycloak/keycloak#35486) refuses this session since Sluice revoked another of theirs: Sluice's doing.
      deps.log.info(
        { user: login, provider: provider.name, reason: answer.reason },
        "SSO session ended: refused after Sluice revoked the token of another session of the user's (its API tokens are kept)",
      );
      return end(provider, sid, "expired", `your sign-in with ${provider.name} ended: sign in again`);
    }
    const idleMs = deps.now() - Date.parse(facts.checkedAt);
    if (idleMs > IDLE_RECHECKS * provider.settings.recheck_every) {
      // A refresh token that went unused this long may have expired at the provider (Keycloak's
      // SSO Session Idle: 30 minutes), which answers the same `invalid_grant` as for a user it
      // disabled: the session ends (sign in again), the tokens the user issued stay.
      deps.log.info(
        { user: login, provider: provider.name, reason: answer.reason, idleMinutes: Math.round(idleMs / 60_000) },
        "SSO session ended after being idle: its refresh token was refused (its API tokens are kept)",
      );
      return end(provider, sid, "expired", `your sign-in with ${provider.name} ended while the console was not used: sign in again`);
    }
    deps.log.warn(
      { user: login, provider: provider.name, reason: answer.reason },
      `${provider.name} refused the user of a console session: session ended`,
    );
    const over = await end(provider, sid, "refused", `${provider.name} no longer accepts your sign-in (${answer.reason})`);
    // Every other session of the user's with this provider too, checked more recently or not: one
    // left open would issue a token after the ones below are revoked.
    await deps.store.endSsoSessions(provider.name, { subject: facts.subject });
    const issuer = { actor: login, sso: { provider: provider.name, issuer: provider.settings.issuer, subject: facts.subject } };
    await revokeTokensOfRefusedUser(deps.store, issuer, `${provider.name} refused ${login}'s sign-in (${answer.reason})`);
    return over;
  }

  /**
   * Records the provider's answer for the session, and revokes the API tokens that stand on the
   * user and that their roles no longer cover: a token stands on the person who issued it, and one
   * demoted from admin stands behind no admin token. Asked at every answer, not only when the
   * groups change: a user demoted while away may come back in a new session, and a role taken out
   * of the server config lowers them too.
   */
  async function answered(
    provider: SsoProvider,
    session: { sid: string; key: string; login: string },
    facts: SsoSessionFacts,
    answer: Extract<Recheck, { kind: "ok" }>,
  ): Promise<SessionNow> {
    const { sid, key, login } = session;
    const sealedTokens = answer.tokens ? sealSessionTokens(answer.tokens, deps.sessionSecret, sid, key) : undefined;
    await deps.store.recordSsoCheck(key, { groups: answer.groups, checkedAt: new Date(deps.now()).toISOString(), sealedTokens });
    if (answer.groups.join("\n") !== facts.groups.join("\n"))
      deps.log.info(
        { user: login, provider: provider.name, groups: answer.groups, were: facts.groups },
        "SSO session's groups changed at the provider",
      );
    const issuer = { actor: login, sso: { provider: provider.name, issuer: provider.settings.issuer, subject: facts.subject } };
    await revokeTokensOfDemotedUser({ ...deps, provider }, issuer, answer.groups);
    return { groups: answer.groups };
  }

  /**
   * Whether Sluice revoked the token of another session of the user's since this session's last
   * answer (or within a check's time before it: that answer may have raced the revocation).
   */
  async function revokedBeside(key: string, facts: SsoSessionFacts): Promise<boolean> {
    // Read again: the other session may have ended while this check was under way.
    const at = (await deps.store.consoleSession(key))?.sso?.otherRevokedAt ?? facts.otherRevokedAt;
    return at !== undefined && Date.parse(at) >= Date.parse(facts.checkedAt) - CLAIM_MS;
  }

  async function end(provider: SsoProvider, sid: string, why: SessionEnd, over: string) {
    await deps.endSessionOf(sid, provider);
    return { over, end: why };
  }

  /** The session's groups, asked of the provider first when they are due. */
  async function groupsNow(provider: SsoProvider, sid: string, key: string, row: OpenConsoleSession & { sso: SsoSessionFacts }) {
    const facts = row.sso;
    // A provider that gave no token is not asked: its session lasts `reauthenticate_after`.
    if (!facts.sealedTokens || deps.now() - Date.parse(facts.checkedAt) < provider.settings.recheck_every) return { groups: facts.groups };
    const running = inFlight.get(key);
    if (running) return running;
    const p = ask(provider, sid, key, row.login, facts).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
    return p;
  }

  return { groupsNow };
}
