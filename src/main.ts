import { readFileSync } from "node:fs";
import { startSluice } from "./app/create-app.js";
import { EnvError, readEnvConfig } from "./config/env-config.js";
import { ConfigError } from "./config/server-config.js";
import { errorMessage } from "./util/errors.js";

/** Production entry point: `npm start`. Exit codes: 0 stopped cleanly, 1 fault, 2 bad configuration. */
async function main(): Promise<void> {
  try {
    process.loadEnvFile(".env");
  } catch {
    // No .env: configuration comes from the environment alone.
  }
  const env = process.env;
  if (!env.APP_ID && !env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH && !env.WEBHOOK_SECRET && env.NODE_ENV !== "production") {
    // First run: register the GitHub App through Probot's manifest flow; it writes .env.
    // Loaded only for the first run: the registration flow (and its smee.io client) is not the server's.
    const { startManifestSetup } = await import("./app/manifest-setup.js");
    await startManifestSetup();
    return;
  }
  const config = readEnvConfig(env, (p) => readFileSync(p, "utf8"));
  const app = await startSluice(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "stopping: no new webhooks; waiting for running jobs to finish");
    app.stop().then(
      () => process.exit(0),
      (e) => {
        app.log.error({ err: errorMessage(e) }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((e: unknown) => {
  if (e instanceof EnvError || e instanceof ConfigError) {
    console.error(`sluice: ${e.message}`);
    process.exit(2);
  }
  console.error(`sluice: could not start: ${errorMessage(e)}`);
  process.exit(1);
});
