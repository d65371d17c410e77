import { errorMessage } from "../util/errors.js";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import type { Logger } from "pino";
import { exec } from "../../runners/exec.js";
import { createSandbox, type Sandbox } from "../../runners/sandbox/sandbox.js";
import type { EnvConfig } from "../config/env-config.js";
import { loadServerSettings, serverConfigFiles } from "../config/load-server-settings.js";
import type { ServerConfig } from "../config/server-config.js";
import { type ConsoleEnv, readConsoleEnv } from "../console/console-env.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/store.js";
import type { Redactor } from "../util/redact.js";
import { dataPaths } from "../workspace/data-paths.js";
import { createAppLogger } from "./app-logger.js";
import { checkDataDir } from "./check-data-dir.js";
import { checkWorktreeRoot } from "./check-worktree-root.js";
import { sandboxSettings } from "./sandbox-settings.js";
import { startSandbox } from "./start-sandbox.js";
import { storeOpenError, withOpenTimeout } from "./store-open-error.js";

/** What both threads are built on, each its own: settings, log, the tools' sandbox, a store connection. */
export interface Runtime {
  config: ServerConfig;
  consoleEnv: ConsoleEnv;
  log: Logger;
  /** Redacts the app's own credentials (webhook secret, private key, server secrets). */
  logRedact: Redactor;
  /** Our own (empty) CLI config: the machine's TF_CLI_CONFIG_FILE and ~/.terraformrc do not apply. */
  cliConfig: string;
  pluginCacheDir?: string;
  sandbox: Sandbox;
  store: Store;
}

/**
 * `http`: the thread that starts first: it checks the data dir, says what the sandbox can do,
 * creates the store's schema and takes the data dir's process lock. `jobs`: the job thread, started
 * after that, on its own connection. The `deliveriesFirst` flag lets webhook deliveries commit
 * before job writes (embedded store) and be answered before new jobs start (either store).
 */
export type RuntimeSide = { thread: "http"; deliveriesFirst: SharedArrayBuffer } | { thread: "jobs"; deliveriesFirst?: SharedArrayBuffer };

/** The setup the HTTP thread and the job thread share, done the same way and in the same order on both. */
export async function buildRuntime(env: EnvConfig, side: RuntimeSide): Promise<Runtime> {
  const config = loadServerSettings(serverConfigFiles(process.env, env.serverConfigPath));
  // First: the console's generated session key (read next) is written into the data dir.
  if (side.thread === "http") {
    checkDataDir(env.dataDir);
    if (env.worktreeDir) checkWorktreeRoot(env.worktreeDir, dataPaths.worktreeRoot(env.dataDir, env.worktreeDir));
  }
  const consoleEnv = readConsoleEnv(process.env, env.dataDir);
  const { log, logRedact } = createAppLogger(env, config);

  const cliConfig = dataPaths.cliConfig(env.dataDir);
  if (!existsSync(cliConfig)) writeFileSync(cliConfig, "# managed by sluice\n");
  const pluginCacheDir = config.plugin_cache ? dataPaths.pluginCache(env.dataDir) : undefined;
  if (pluginCacheDir) mkdirSync(pluginCacheDir, { recursive: true });
  const paths = { dataDir: env.dataDir, cliConfig, pluginCacheDir, worktreeRoot: dataPaths.worktreeRoot(env.dataDir, env.worktreeDir) };
  // Said once, by the thread that starts first: the job thread builds the same sandbox from the same settings.
  const sandbox =
    side.thread === "http" ? await startSandbox(config, paths, log) : await createSandbox(sandboxSettings(config, paths), exec);

  const storeOptions = { runLockSessions: config.parallel, log: log.child({ name: "store" }) };
  // Ends the thread's process (the job thread's end ends it through its onDeath): no commit after
  // a failed fsync may be acknowledged, and a restart recovers the store from what is on disk.
  const onSyncFailure = (e: unknown) => {
    log.fatal(
      { err: errorMessage(e) },
      "the store's write-ahead log could not be synced to disk: exiting so that the store is recovered from what is on disk; check the data volume",
    );
    process.exit(1);
  };
  const store =
    side.thread === "http"
      ? await withOpenTimeout(
          openStore(env.databaseUrl, env.dataDir, storeOptions, {
            deliveriesFirst: { flag: side.deliveriesFirst, side: "deliveries" },
            onSyncFailure,
          }),
          env.databaseUrl,
        ).catch((e: unknown) => Promise.reject(storeOpenError(e, env.databaseUrl)))
      : await openStore(env.databaseUrl, env.dataDir, storeOptions, {
          processLockHeld: true,
          deliveriesFirst: side.deliveriesFirst && { flag: side.deliveriesFirst, side: "jobs" },
          durability: "normal",
          onSyncFailure,
        });
  return { config, consoleEnv, log, logRedact, cliConfig, pluginCacheDir, sandbox, store };
}
