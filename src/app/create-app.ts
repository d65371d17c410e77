import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { startJobThread } from "./start-job-thread.js";
import { buildRuntime } from "./build-runtime.js";
import { createProbot } from "./create-probot.js";
import type { JobRuntimeOverrides } from "./create-job-runtime.js";
import type { EnvConfig } from "../config/env-config.js";
import { createMetrics } from "../console/metrics.js";
import { deliveriesFirstFlag } from "../store/deliveries-first.js";
import { WEBHOOK_PATH } from "./webhook-address.js";
import { startWebhookRelay } from "./webhook-relay.js";
import { createReadinessChecks } from "./readiness-checks.js";
import { releaseSpawner } from "../../runners/exec-pipe.js";
import { routeRequest } from "./route-request.js";
import { issuerRoutes } from "../credentials/issuer-routes.js";
import { createOidcIssuer } from "../credentials/oidc-issuer.js";
import { createConsoleSurfaces } from "./console-surfaces.js";
import { startBackgroundWork } from "./start-background-work.js";
import { createWebhookReceiver } from "./webhook-receiver.js";

export { WEBHOOK_PATH } from "./webhook-address.js";

export interface SluiceApp {
  server: Server;
  port: number;
  log: Logger;
  /** Stops taking webhooks, lets running jobs finish, closes the store. */
  stop(): Promise<void>;
}

export type AppOverrides = JobRuntimeOverrides;

/** Builds and starts Sluice: store, the job thread, Probot (auth checks), the console and the HTTP endpoint. */
export async function startSluice(env: EnvConfig, overrides: AppOverrides = {}): Promise<SluiceApp> {
  // The embedded store's two connections (this thread's, the job thread's): deliveries commit first.
  const deliveriesFirst = deliveriesFirstFlag();
  const runtime = await buildRuntime(env, { thread: "http", deliveriesFirst });
  const { config, consoleEnv, log, sandbox, store } = runtime;
  const probot = createProbot(env, log);
  const metrics = createMetrics(store);

  // Jobs run on a thread of their own (its own store connection, GitHub clients, workspace): this
  // thread's event loop only verifies, persists and answers webhooks, and serves the console.
  const jobs = await startJobThread({
    env,
    overrides,
    deliveriesFirst,
    metrics,
    log,
    onDeath: (reason) => {
      log.fatal({ reason }, "the job thread stopped: no job can run; exiting so that the process is restarted");
      process.exit(1);
    },
  }).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  const wake = () => jobs.wake();
  const endpoint = createWebhookReceiver(env, runtime, { metrics, deliveriesFirst, wake });
  // The audit stream starts once the server listens; the console may ask it to deliver again before.
  let background: ReturnType<typeof startBackgroundWork> | undefined;
  const { sso, operationsConsole, api } = createConsoleSurfaces(env, runtime, { metrics, wake, wakeAudit: () => background?.audit.wake() });

  const { readinessChecks, githubAuth, permissionsCheck, toolsChecked } = createReadinessChecks({
    store,
    sandbox,
    config,
    probot,
    env,
    log,
  });
  // The tool checks were this thread's last tool runs: its spawner goes now, not 30 s idle later.
  void toolsChecked.finally(releaseSpawner).catch(() => undefined);
  readinessChecks.push(...sso.readiness);

  // The OIDC issuer of per-phase cloud credentials: only with a public URL to be the issuer.
  const oidcDocs = consoleEnv.publicUrl ? issuerRoutes(createOidcIssuer({ issuer: consoleEnv.publicUrl, keys: store })) : undefined;
  const server = createServer(routeRequest({ endpoint, readinessChecks, console: operationsConsole, api, oidcDocs, log }));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.port, env.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, dataDir: env.dataDir }, `Sluice listening on http://${env.host}:${port}${WEBHOOK_PATH}`);
  // Only now: a process that cannot listen exits before it claims a job (and cuts it off).
  await jobs.start();
  // A relay on this machine reaches the endpoint over loopback unless the server listens on one address only.
  const localHost = env.host === "0.0.0.0" || env.host === "::" ? "127.0.0.1" : env.host;
  const localUrl = `http://${localHost.includes(":") ? `[${localHost}]` : localHost}:${port}`;
  const relay = env.webhookProxyUrl ? await startWebhookRelay(env.webhookProxyUrl, `${localUrl}${WEBHOOK_PATH}`, log) : undefined;
  const started = startBackgroundWork(env, runtime, { log, probot, githubAuth, permissionsCheck, listenUrl: localUrl, wake, metrics });
  background = started;

  return {
    server,
    port,
    log,
    async stop() {
      operationsConsole.stop();
      sso.stop();
      await started.stop();
      await relay?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop();
      await store.close();
    },
  };
}
