import type { Logger } from "pino";
import { exec } from "../../runners/exec.js";
import { createSandbox, type Sandbox } from "../../runners/sandbox/sandbox.js";
import type { ServerConfig } from "../config/server-config.js";
import { sandboxSettings } from "./sandbox-settings.js";

/** The sandbox every tool run starts in, as the server config sets it; what is wrong with it is logged now. */
export async function startSandbox(
  config: ServerConfig,
  paths: { dataDir: string; cliConfig: string; pluginCacheDir?: string; worktreeRoot?: string },
  log: Logger,
): Promise<Sandbox> {
  const sandbox = await createSandbox(sandboxSettings(config, paths), exec);
  for (const warning of sandbox.warnings) log.warn(warning);
  if (sandbox.status.mode === "off") {
    log.warn(
      "sandbox: off — tool runs are not sandboxed: a pull request's code can read everything this process can (data dir, server config, private key, /proc)",
    );
  } else if (!sandbox.status.ok) {
    log.error(
      { reason: sandbox.status.reason },
      "the sandbox (bubblewrap) cannot start: Sluice will run no tools until it can (or the server config says `sandbox: off`)",
    );
  }
  return sandbox;
}
