import * as oidc from "openid-client";
import type { SsoProviderConfig } from "../config/sso-config-schema.js";
import { describeOidcError, isInvalidClient } from "./oidc-error.js";

export type ProviderStatus = { ok: true; detail: string } | { ok: false; reason: string };

/** Clock difference from the provider beyond which its ID tokens would look issued in the future or expired. */
export const CLOCK_TOLERANCE_S = 30;

export interface SsoProvider {
  readonly name: string;
  readonly settings: SsoProviderConfig;
  /** The discovered client, once discovery and the checks passed. */
  client(): oidc.Configuration | undefined;
  status(): ProviderStatus;
  /** Discovers the provider and checks the client's secret and the clocks; again until it works. */
  start(): Promise<void>;
  stop(): void;
}

interface ProviderDeps {
  redirectUri: string;
  env: NodeJS.ProcessEnv;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** How long after a failed check it is tried again. */
  retryMs?: number;
  now?: () => number;
}

/**
 * One OpenID Connect provider, through openid-client (certified): discovery, then two checks a
 * misconfiguration fails at start rather than at the first sign-in: the client's credentials (a
 * code exchange with a code that cannot exist: `invalid_grant` means they were accepted) and the
 * clocks (the discovery answer's Date header against ours).
 */
export function createSsoProvider(settings: SsoProviderConfig, deps: ProviderDeps): SsoProvider {
  const label = `SSO provider ${settings.name}`;
  let current: oidc.Configuration | undefined;
  let state: ProviderStatus = { ok: false, reason: "checking: discovery has not finished yet" };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const now = deps.now ?? Date.now;

  async function attempt(): Promise<ProviderStatus & { client?: oidc.Configuration }> {
    const ref = settings.client_secret.slice(4);
    const secret = deps.env[ref];
    if (!secret) return { ok: false, reason: `client_secret: the variable ${ref} is not set in the server's environment` };
    const insecure = new URL(settings.issuer).protocol === "http:";
    let config: oidc.Configuration;
    try {
      config = await oidc.discovery(
        new URL(settings.issuer),
        settings.client_id,
        { client_secret: secret },
        settings.client_auth === "client_secret_post" ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret),
        {
          // Signatures of ID tokens are checked against the provider's key set (JWKS), always.
          execute: insecure ? [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks] : [oidc.enableNonRepudiationChecks],
          timeout: 10,
        },
      );
    } catch (e) {
      return { ok: false, reason: `discovery at ${settings.issuer}/.well-known/openid-configuration failed: ${describeOidcError(e)}` };
    }
    const skew = await clockSkewSeconds(settings.issuer, now);
    if (skew !== undefined && Math.abs(skew) > CLOCK_TOLERANCE_S)
      return {
        ok: false,
        reason: `this server's clock is ${Math.abs(skew)} s ${skew > 0 ? "ahead of" : "behind"} the provider's (tolerance ${CLOCK_TOLERANCE_S} s): its ID tokens would be refused; set the clocks right (NTP)`,
      };
    try {
      await oidc.genericGrantRequest(config, "authorization_code", {
        code: "sluice-readiness-probe",
        redirect_uri: deps.redirectUri,
        code_verifier: oidc.randomPKCECodeVerifier(),
      });
    } catch (e) {
      if (isInvalidClient(e))
        return {
          ok: false,
          reason: `the provider refused the client's credentials (client_id ${settings.client_id}, client_secret from ${ref}): ${describeOidcError(e)}`,
        };
    }
    return { ok: true, detail: `discovered ${settings.issuer}`, client: config };
  }

  async function check(): Promise<void> {
    const r = await attempt();
    if (stopped) return;
    const was = state;
    if (r.ok) {
      current = r.client;
      state = { ok: true, detail: r.detail };
      if (!was.ok) deps.log.info({ provider: settings.name, issuer: settings.issuer }, `${label}: ready (${settings.issuer})`);
      return;
    }
    state = { ok: false, reason: r.reason };
    if (was.ok || was.reason !== r.reason)
      deps.log.error({ provider: settings.name, reason: r.reason }, `${label}: sign-in unavailable: ${r.reason}`);
    timer = setTimeout(() => void check(), deps.retryMs ?? 30_000);
    timer.unref();
  }

  return {
    name: settings.name,
    settings,
    client: () => current,
    status: () => state,
    start: check,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** The provider's clock minus ours, in seconds, from the Date header of its discovery document. */
async function clockSkewSeconds(issuer: string, now: () => number): Promise<number | undefined> {
  try {
    const r = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
    await r.body?.cancel();
    const date = Date.parse(r.headers.get("date") ?? "");
    return Number.isNaN(date) ? undefined : Math.round((now() - date) / 1000);
  } catch {
    return undefined;
  }
}
