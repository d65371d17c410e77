import type { SsoProviderConfig } from "../config/sso-config-schema.js";
import { createSsoProvider, type SsoProvider } from "./sso-provider.js";

/**
 * The providers of server config `sso`, each discovered and checked in the background from the
 * start (a provider that is down does not keep Sluice from starting), each with a /readyz check
 * `sso:<name>` that names what is wrong.
 */
export function startSsoProviders(
  list: readonly SsoProviderConfig[],
  deps: {
    publicUrl?: string;
    env: NodeJS.ProcessEnv;
    log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  },
) {
  const retryMs = Number(deps.env.SLUICE_SSO_RETRY_MS) >= 100 ? Number(deps.env.SLUICE_SSO_RETRY_MS) : undefined;
  const providers = new Map<string, SsoProvider>(
    list.map((settings) => [
      settings.name,
      createSsoProvider(settings, {
        redirectUri: `${deps.publicUrl ?? "http://localhost"}/login/sso/${settings.name}/callback`,
        env: deps.env,
        log: deps.log,
        retryMs,
      }),
    ]),
  );
  for (const p of providers.values()) void p.start();
  // Shaped as /readyz checks (src/app/readiness.ts).
  const readiness = [...providers.values()].map((p) => ({
    name: `sso:${p.name}`,
    check: async () => {
      const s = p.status();
      if (s.ok || s.reason.startsWith("checking")) return s;
      return { ok: false, reason: `sign-in with ${p.name} is unavailable: ${s.reason}` };
    },
  }));
  return {
    providers,
    readiness,
    stop() {
      for (const p of providers.values()) p.stop();
    },
  };
}
