import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { startJobThread } from "./start-job-thread.js";
import { buildRuntime } from "./build-runtime.js";
import { createProbot } from "./create-probot.js";
import type { JobRuntimeOverrides } from "./create-job-runtime.js";
import type { EnvConfig } from "../config/env-config.js";
import { type ConsoleDeps, createConsole } from "../console/create-console.js";
import { createApi } from "../api/create-api.js";
import { createMetrics } from "../console/metrics.js";
import { ingressSettings } from "../ingress/event-to-job.js";
import { githubHosts } from "../ingress/delivery-hosts.js";
import { explainSettings } from "../config/explain-settings.js";
import { changeControlOf } from "../authorization/change-control-of.js";
import { createIngress } from "../ingress/ingress.js";
import { createWebhookEndpoint } from "../ingress/webhook-endpoint.js";
import { deliveriesFirstFlag, receivingDelivery } from "../store/deliveries-first.js";
import { startDriftScheduler } from "../drift/drift-scheduler.js";
import { previewSweepFromEnv, startPreviewSweeper } from "../preview/preview-sweeper.js";
import { startHealSweeper } from "../heal/heal-sweeper.js";
import { startWebhookRedeliverer } from "../heal/webhook-redeliverer.js";
import { hookDeliveriesSince, redeliverHookDelivery } from "../vcs/github/app-hook-deliveries.js";
import { repoAllowed } from "../config/server-config-for.js";
import { startAuditDeliverer } from "../audit/audit-deliverer.js";
import { auditSinks } from "../audit/audit-sinks.js";
import { settingsByRepo } from "../ingress/settings-by-repo.js";
import { DiskReserve, reserveKeeper } from "../util/disk-reserve.js";
import { checkGitHubAtStart } from "./check-github-at-start.js";
import { WEBHOOK_PATH } from "./webhook-address.js";
import { startWebhookRelay } from "./webhook-relay.js";
import { createGitHubSignIn } from "../vcs/github/github-sign-in.js";
import { dataPaths } from "../workspace/data-paths.js";
import { createReadinessChecks } from "./readiness-checks.js";
import { releaseSpawner } from "../../runners/exec-pipe.js";
import { routeRequest } from "./route-request.js";
import { issuerRoutes } from "../credentials/issuer-routes.js";
import { createOidcIssuer } from "../credentials/oidc-issuer.js";
import { startDriftEnrollment } from "./start-drift-enrollment.js";
import { errorMessage } from "../util/errors.js";
import { startSsoProviders } from "../sso/sso-providers.js";

export { WEBHOOK_PATH } from "./webhook-address.js";

export interface SluiceApp {
  server: Server;
  port: number;
  log: Logger;
  /** Stops taking webhooks, lets running jobs finish, closes the store. */
  stop(): Promise<void>;
}

export type AppOverrides = JobRuntimeOverrides;

/** SLUICE_AUDIT_POLL_MS, SLUICE_AUDIT_RETRY_BASE_MS: how often the audit stream looks for events, first retry wait. */
function auditTimingFromEnv(env: NodeJS.ProcessEnv): { pollMs?: number; retryBaseMs?: number } {
  const ms = (v: string | undefined) => (Number.isFinite(Number(v)) && Number(v) >= 10 ? Number(v) : undefined);
  return { pollMs: ms(env.SLUICE_AUDIT_POLL_MS), retryBaseMs: ms(env.SLUICE_AUDIT_RETRY_BASE_MS) };
}

/** Builds and starts Sluice: store, the job thread, Probot (auth checks), the console and the HTTP endpoint. */
export async function startSluice(env: EnvConfig, overrides: AppOverrides = {}): Promise<SluiceApp> {
  // The embedded store's two connections (this thread's, the job thread's): deliveries commit first.
  const deliveriesFirst = deliveriesFirstFlag();
  const { config, consoleEnv, log, sandbox, store } = await buildRuntime(env, { thread: "http", deliveriesFirst });
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
  const ingress = createIngress({
    store,
    ...ingressSettings(config),
    ...settingsByRepo(config),
    onJob: wake,
    onDuplicate: metrics.webhookDuplicate,
    hosts: githubHosts(env.baseUrl),
    onRefused: metrics.webhookRejected,
    log,
  });
  // Room kept for deliveries when runs (or anything else) fill the data volume.
  const reserve = new DiskReserve(dataPaths.reserve(env.dataDir), config.data_reserve);
  // In the background: writing it must not delay the start (it is there within a second or so).
  void reserve.ensure().catch(() => false);
  const endpoint = createWebhookEndpoint({
    secret: env.webhookSecret,
    // Straight to ingress: the signature is checked here already, and Probot's event context (an
    // authenticated Octokit per delivery) is never used.
    receive: ingress,
    log,
    count: { received: metrics.webhookReceived, rejected: metrics.webhookRejected },
    reserve: config.data_reserve > 0 ? reserveKeeper(reserve) : undefined,
    receiving: receivingDelivery(deliveriesFirst),
  });
  // Sign-in, pages, live logs and /metrics, on the same port (docs/design.md, "Console").
  let audit: ReturnType<typeof startAuditDeliverer> | undefined;
  const sso = startSsoProviders(config.sso, { publicUrl: consoleEnv.publicUrl, env: process.env, log: log.child({ name: "sso" }) });
  const consoleDeps: ConsoleDeps = {
    sso: sso.providers,
    store,
    env: consoleEnv,
    signIn: consoleEnv.oauth ? createGitHubSignIn({ ...consoleEnv.oauth, baseUrl: env.baseUrl }) : undefined,
    metrics,
    config,
    explain: (repo) => explainSettings(config, repo),
    changeControl: (repo) => changeControlOf(config, repo, new Date()),
    githubWebUrl: env.baseUrl ? env.baseUrl.replace(/\/api\/v3\/?$/, "") : "https://github.com",
    wake,
    log: log.child({ name: "console" }),
    auditSinks: auditSinks(config).map((s) => ({ name: s.name, label: s.label })),
    wakeAudit: () => audit?.wake(),
  };
  const operationsConsole = createConsole(consoleDeps);
  // The API under /api/v1/: answers 404 to everything unless server config `api.enabled`.
  const api = createApi({ ...consoleDeps, sso: sso.providers, enabled: config.api.enabled, maxTokenDays: config.api.max_token_days });

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
  void checkGitHubAtStart({
    auth: githubAuth,
    hookUrl: async () => (await (await probot.auth()).request("GET /app/hook/config")).data.url ?? "",
    config,
    publicUrl: env.publicUrl,
    proxyUrl: env.webhookProxyUrl,
    listenUrl: localUrl,
    log,
  }).catch((e: unknown) => log.error({ err: errorMessage(e) }, "GitHub check at start failed"));
  void permissionsCheck.start();
  const drift = startDriftScheduler({ store, log: log.child({ name: "drift" }), wake });
  const previews = startPreviewSweeper({
    store,
    log: log.child({ name: "previews" }),
    wake,
    intervalMs: previewSweepFromEnv(process.env),
    allowed: (repo) => repoAllowed(config, repo),
  });
  const heal = startHealSweeper({
    store,
    log: log.child({ name: "heal" }),
    wake,
    intervalMs: config.reconcile_interval,
    allowed: (repo) => repoAllowed(config, repo),
  });
  const redelivery =
    config.redeliver_within === false
      ? undefined
      : startWebhookRedeliverer({
          deliveriesSince: (sinceMs) => hookDeliveriesSince(probot, sinceMs),
          redeliver: (id) => redeliverHookDelivery(probot, id),
          intervalMs: config.reconcile_interval,
          withinMs: config.redeliver_within,
          log: log.child({ name: "heal" }),
          counted: metrics.webhookRedelivery,
        });
  // On this thread, reading what the job thread recorded: an apply never waits for a receiver.
  audit = startAuditDeliverer({
    store,
    sinks: auditSinks(config),
    log: log.child({ name: "audit-stream" }),
    ...auditTimingFromEnv(process.env),
  });
  const stopEnrollment = startDriftEnrollment({ probot, store, config, wake, log });

  return {
    server,
    port,
    log,
    async stop() {
      operationsConsole.stop();
      sso.stop();
      drift.stop();
      previews.stop();
      heal.stop();
      redelivery?.stop();
      await audit?.stop();
      stopEnrollment();
      await relay?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop();
      await store.close();
    },
  };
}
