import { parse } from "yaml";
import { isPrivateHost, WEBHOOK_PATH } from "./webhook-address.js";

export interface ManifestEnv {
  SLUICE_PUBLIC_URL?: string;
  WEBHOOK_PROXY_URL?: string;
}

export interface HookTarget {
  url: string;
  /** Set when GitHub could not deliver to `url`: what to do instead. */
  warning?: string;
}

/**
 * Where the app being registered will send webhooks: the smee.io channel when one relays to this
 * machine, else `<SLUICE_PUBLIC_URL>/api/github/webhooks`, else this setup page's own address
 * (which works only if GitHub can reach it).
 */
export function hookTarget(env: ManifestEnv, setupBaseUrl: string): HookTarget {
  if (env.WEBHOOK_PROXY_URL) return { url: env.WEBHOOK_PROXY_URL };
  const base = env.SLUICE_PUBLIC_URL || setupBaseUrl;
  const url = new URL(WEBHOOK_PATH, base).href;
  if (!isPrivateHost(new URL(url).hostname)) return { url };
  return {
    url,
    warning: `${url} is a loopback or private address: GitHub cannot deliver webhooks there. Set SLUICE_PUBLIC_URL to this server's public https address (or WEBHOOK_PROXY_URL to a smee.io channel) and start again before registering, or change the webhook URL in the app's settings afterwards.`,
  };
}

/**
 * The GitHub App manifest sent to GitHub's "register an app from a manifest" page: app.yml's
 * name, permissions and events, with the webhook URL and the redirect back to this server.
 * https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 */
export function registrationManifest(appYml: string, hook: HookTarget, setupBaseUrl: string): Record<string, unknown> {
  const fromFile = (parse(appYml) ?? {}) as Record<string, unknown>;
  return {
    ...fromFile,
    hook_attributes: { url: hook.url, active: true },
    redirect_url: new URL("/setup/callback", setupBaseUrl).href,
    public: fromFile.public ?? false,
  };
}
