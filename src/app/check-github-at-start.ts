import type { ServerConfig } from "../config/server-config.js";
import type { createGitHubAuthCheck } from "./github-auth-check.js";
import { describeWebhookAddress } from "./webhook-address.js";

export interface StartupLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * At start: the app's credentials (GET /app, kept for /readyz), then one line saying where GitHub
 * sends webhooks and whether that address can be reached from outside, and a warning when
 * automerge is on but the app may not merge (contents: write).
 */
export async function checkGitHubAtStart(opts: {
  auth: ReturnType<typeof createGitHubAuthCheck>;
  /** GET /app/hook/config: the app's webhook URL on GitHub ("" when none is set). */
  hookUrl: () => Promise<string>;
  config: Pick<ServerConfig, "automerge" | "allowed_overrides"> & Partial<Pick<ServerConfig, "repoRules">>;
  publicUrl?: string;
  proxyUrl?: string;
  listenUrl: string;
  log: StartupLog;
}): Promise<void> {
  const auth = await opts.auth.start();
  const hookUrl = auth.state === "ok" ? await opts.hookUrl().catch(() => undefined) : undefined;
  const address = describeWebhookAddress({ hookUrl, proxyUrl: opts.proxyUrl, publicUrl: opts.publicUrl, listenUrl: opts.listenUrl });
  opts.log[address.level]({ webhookUrl: address.url }, address.message);
  if (auth.state !== "ok") return;
  const mayAutomerge = [opts.config, ...(opts.config.repoRules ?? []).map((r) => r.settings as Partial<ServerConfig>)].some(
    (c) => c.automerge || c.allowed_overrides?.includes("automerge"),
  );
  const contents = auth.app.permissions.contents;
  if (mayAutomerge && contents !== "write") {
    opts.log.warn(
      { contents: contents ?? "none" },
      `automerge is on, but the app has contents: ${contents ?? "none"} and GitHub lets an app merge only with contents: write: grant it in the app's settings (Permissions → Contents → Read and write) and accept it in each installation`,
    );
  }
}
