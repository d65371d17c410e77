import { createServer, type Server } from "node:http";
import { createProbot } from "./create-probot.js";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { exec } from "../../runners/exec.js";
import { helmBinary, kubectlBinary } from "../../runners/helm/helm-binary.js";
import { describeTools, findTools, toolProbes } from "../../runners/tool-inventory.js";
import { createSandbox } from "../../runners/sandbox/sandbox.js";
import { readConsoleEnv } from "../console/console-env.js";
import { createAppLogger } from "./app-logger.js";
import { startJobThread } from "./start-job-thread.js";
import type { JobRuntimeOverrides } from "./create-job-runtime.js";
import { existsSync, writeFileSync } from "node:fs";
import type { EnvConfig } from "../config/env-config.js";
import { createConsole } from "../console/create-console.js";
import { createMetrics } from "../console/metrics.js";
import type { ServerConfig } from "../config/server-config.js";
import { loadServerSettings, serverConfigFiles } from "../config/load-server-settings.js";
import { explainSettings } from "../config/explain-settings.js";
import { createIngress } from "../ingress/ingress.js";
import { createWebhookEndpoint } from "../ingress/webhook-endpoint.js";
import { deliveriesFirstFlag } from "../store/deliveries-first.js";
import { openStore } from "../store/open-store.js";
import { startDriftScheduler } from "../drift/drift-scheduler.js";
import { previewSweepFromEnv, startPreviewSweeper } from "../preview/preview-sweeper.js";
import { startAuditDeliverer } from "../audit/audit-deliverer.js";
import { auditSinks } from "../audit/audit-sinks.js";
import { enrollRepos } from "../drift/enroll-repos.js";
import { listInstalledRepos } from "../vcs/github/installed-repos.js";
import { repoAllowed, serverConfigFor } from "../config/server-config-for.js";
import { type ReadinessCheck, readiness } from "./readiness.js";
import { DiskReserve, reserveKeeper } from "../util/disk-reserve.js";
import { checkDataDir } from "./check-data-dir.js";
import { checkGitHubAtStart } from "./check-github-at-start.js";
import { createInstallationPermissionsCheck } from "./installation-permissions-check.js";
import { createGitHubAuthCheck } from "./github-auth-check.js";
import { WEBHOOK_PATH } from "./webhook-address.js";
import { startWebhookRelay } from "./webhook-relay.js";
import { storeOpenError, withOpenTimeout } from "./store-open-error.js";
import { sandboxSettings } from "./sandbox-settings.js";
import { createGitHubSignIn } from "../vcs/github/github-sign-in.js";
import { dataPaths } from "../workspace/data-paths.js";
import { errorMessage } from "../util/errors.js";

export { WEBHOOK_PATH } from "./webhook-address.js";

export interface SluiceApp {
  server: Server;
  port: number;
  log: Logger;
  /** Stops taking webhooks, lets running jobs finish, closes the store. */
  stop(): Promise<void>;
}

export type AppOverrides = JobRuntimeOverrides;

/** What ingress decides with: the repository's own values of these server settings. */
function ingressSettings(config: ServerConfig) {
  return {
    autoplanDrafts: config.autoplan_drafts,
    atlantisPrefix: config.atlantis_prefix,
    autoplan: config.autoplan,
    allowCommands: config.allow_commands,
  };
}

/** SLUICE_AUDIT_POLL_MS, SLUICE_AUDIT_RETRY_BASE_MS: how often the audit stream looks for events, first retry wait. */
function auditTimingFromEnv(env: NodeJS.ProcessEnv): { pollMs?: number; retryBaseMs?: number } {
  const ms = (v: string | undefined) => (Number.isFinite(Number(v)) && Number(v) >= 10 ? Number(v) : undefined);
  return { pollMs: ms(env.SLUICE_AUDIT_POLL_MS), retryBaseMs: ms(env.SLUICE_AUDIT_RETRY_BASE_MS) };
}

/** Builds and starts Sluice: store, the job thread, Probot (auth checks), the console and the HTTP endpoint. */
export async function startSluice(env: EnvConfig, overrides: AppOverrides = {}): Promise<SluiceApp> {
  const config = loadServerSettings(serverConfigFiles(process.env, env.serverConfigPath));
  // First: the console's generated session key (below) is written into the data dir.
  checkDataDir(env.dataDir);
  const consoleEnv = readConsoleEnv(process.env, env.dataDir);
  const { log } = createAppLogger(env, config);

  // Our own (empty) CLI config: the machine's TF_CLI_CONFIG_FILE and ~/.terraformrc do not apply.
  const cliConfig = dataPaths.cliConfig(env.dataDir);
  if (!existsSync(cliConfig)) writeFileSync(cliConfig, "# managed by sluice\n");

  const pluginCacheDir = config.plugin_cache ? dataPaths.pluginCache(env.dataDir) : undefined;
  const sandbox = await createSandbox(sandboxSettings(config, { dataDir: env.dataDir, cliConfig, pluginCacheDir }), exec);
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

  // The embedded store's two connections (this thread's, the job thread's): deliveries commit first.
  const deliveriesFirst = deliveriesFirstFlag();
  const store = await withOpenTimeout(
    openStore(
      env.databaseUrl,
      env.dataDir,
      { runLockSessions: config.parallel, log: log.child({ name: "store" }) },
      { deliveriesFirst: { flag: deliveriesFirst, side: "deliveries" } },
    ),
    env.databaseUrl,
  ).catch((e: unknown) => Promise.reject(storeOpenError(e, env.databaseUrl)));
  const metrics = createMetrics(store);
  const probot = createProbot(env, log);

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
    allowed: (fullName) => repoAllowed(config, fullName),
    ...ingressSettings(config),
    settingsFor: (fullName) => ingressSettings(serverConfigFor(config, fullName).config),
    onJob: wake,
    onDuplicate: metrics.webhookDuplicate,
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
  });
  // Sign-in, pages, live logs and /metrics, on the same port (DESIGN.md "Console").
  let audit: ReturnType<typeof startAuditDeliverer> | undefined;
  const operationsConsole = createConsole({
    store,
    env: consoleEnv,
    signIn: consoleEnv.oauth ? createGitHubSignIn({ ...consoleEnv.oauth, baseUrl: env.baseUrl }) : undefined,
    metrics,
    config,
    explain: (repo) => explainSettings(config, repo),
    githubWebUrl: env.baseUrl ? env.baseUrl.replace(/\/api\/v3\/?$/, "") : "https://github.com",
    wake,
    log: log.child({ name: "console" }),
    auditSinks: auditSinks(config).map((s) => ({ name: s.name, label: s.label })),
    wakeAudit: () => audit?.wake(),
  });

  // Parts that can break while the process runs add a check here; /readyz answers 503 naming them.
  const readinessChecks: ReadinessCheck[] = [
    { name: "store", check: () => store.ping() },
    {
      name: "sandbox",
      check: async () => {
        const s = sandbox.status;
        if (s.mode === "off") return { ok: true, detail: "off: tool runs are not sandboxed" };
        return s.ok ? { ok: true } : { ok: false, reason: `bubblewrap cannot start, no tools run: ${s.reason}` };
      },
    },
  ];
  // Keys read and not done (Atlantis' repos.yaml): named at start, never dropped in silence.
  for (const u of config.unsupported) log.warn({ unsupported: u }, `server config: ${u}`);
  readinessChecks.push({
    name: "config",
    check: async () => ({
      ok: true,
      detail: config.unsupported.length ? `keys not supported, ignored: ${config.unsupported.join("; ")}` : "every key is supported",
    }),
  });
  const apiBase = env.baseUrl ?? "https://api.github.com";
  const githubAuth = createGitHubAuthCheck({
    getApp: async () => {
      const { data } = await (await probot.auth()).request("GET /app");
      if (!data) throw new Error("GET /app answered without a body");
      return { id: data.id, slug: data.slug, name: data.name, permissions: data.permissions };
    },
    apiBase,
    appId: env.appId,
    log,
  });
  readinessChecks.push(githubAuth.readiness);
  const permissionsCheck = createInstallationPermissionsCheck({
    listInstallations: async () => {
      const octokit = await probot.auth();
      const list = await octokit.paginate("GET /app/installations", { per_page: 100 });
      return list.map((i) => ({
        id: i.id,
        account: (i.account && "login" in i.account ? i.account.login : undefined) ?? String(i.target_id),
        permissions: i.permissions as Record<string, string | undefined>,
      }));
    },
    log,
  });
  readinessChecks.push(permissionsCheck.readiness);
  // Tools are looked for once at start: a missing one is named now, not at the first pull request.
  const tools = findTools(
    toolProbes({
      terraform: config.terraform_binary,
      tofu: config.tofu_binary,
      helm: helmBinary(config.helm_binary),
      kubectl: kubectlBinary(config.kubectl_binary),
      conftest: config.policies?.conftest_binary,
    }),
    exec,
  ).then((found) => {
    const report = describeTools(found);
    log[report.degraded ? "warn" : "info"]({ tools: found, cannotServe: report.cannotServe }, report.message);
    return report;
  });
  readinessChecks.push({ name: "tools", check: async () => ({ ok: true, detail: (await tools).message }) });

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path === WEBHOOK_PATH) {
      void endpoint(req, res).catch((e) => {
        log.error({ err: String(e) }, "webhook endpoint fault");
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
      return;
    }
    if (path === "/readyz") {
      void readiness(readinessChecks).then((report) =>
        res.writeHead(report.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(report)),
      );
      return;
    }
    void operationsConsole.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
    });
  });

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
  const relay = env.webhookProxyUrl ? startWebhookRelay(env.webhookProxyUrl, `${localUrl}${WEBHOOK_PATH}`, log) : undefined;
  void checkGitHubAtStart({
    auth: githubAuth,
    hookUrl: async () => (await (await probot.auth()).request("GET /app/hook/config")).data.url ?? "",
    config,
    publicUrl: env.publicUrl,
    proxyUrl: env.webhookProxyUrl,
    listenUrl: localUrl,
    log,
  }).catch((e: unknown) => log.error({ err: String(e) }, "GitHub check at start failed"));
  void permissionsCheck.start();
  const drift = startDriftScheduler({ store, log: log.child({ name: "drift" }), wake });
  const previews = startPreviewSweeper({ store, log: log.child({ name: "previews" }), wake, intervalMs: previewSweepFromEnv(process.env) });
  // On this thread, reading what the job thread recorded: an apply never waits for a receiver.
  audit = startAuditDeliverer({
    store,
    sinks: auditSinks(config),
    log: log.child({ name: "audit-stream" }),
    ...auditTimingFromEnv(process.env),
  });
  // Server-wide schedules reach every installed repo: enrolled at start and then hourly.
  const enroll = () =>
    enrollRepos({
      list: () => listInstalledRepos(probot),
      store,
      allowed: (fullName) => repoAllowed(config, fullName),
      wake,
      log,
    }).catch((e: unknown) => log.warn({ err: errorMessage(e) }, "drift: could not enroll installed repositories"));
  // Any repository's settings (top level or a `repos:` entry) may give it a schedule.
  const driftAnywhere = [config, ...config.repoRules.map((r) => r.settings as Partial<ServerConfig>)].some(
    (c) => c.drift?.schedule || c.allowed_overrides?.includes("drift"),
  );
  const enrollTimer = driftAnywhere ? setInterval(() => void enroll(), 3_600_000) : undefined;
  if (enrollTimer) {
    enrollTimer.unref();
    void enroll();
  }

  return {
    server,
    port,
    log,
    async stop() {
      operationsConsole.stop();
      drift.stop();
      previews.stop();
      await audit?.stop();
      if (enrollTimer) clearInterval(enrollTimer);
      await relay?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop();
      await store.close();
    },
  };
}
