import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import PQueue from "p-queue";
import pino, { type Logger } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { exec } from "../../runners/exec.js";
import { helmBinary } from "../../runners/helm/helm-binary.js";
import { reportMissingTools } from "../../runners/missing-tool.js";
import { createRunners } from "../../runners/registry.js";
import { describeTools, findTools, toolProbes } from "../../runners/tool-inventory.js";
import { createSandbox } from "../../runners/sandbox/sandbox.js";
import type { EnvConfig } from "../config/env-config.js";
import { consoleSecrets, readConsoleEnv } from "../console/console-env.js";
import { createConsole } from "../console/create-console.js";
import { createMetrics } from "../console/metrics.js";
import { loadServerConfig } from "../config/server-config.js";
import { createIngress } from "../ingress/ingress.js";
import { createWebhookEndpoint } from "../ingress/webhook-endpoint.js";
import type { JobDeps } from "../jobs/job-deps.js";
import { createOrphanWatch } from "../jobs/orphan-watch.js";
import { recoverJobs } from "../jobs/recover-jobs.js";
import { runJob } from "../jobs/run-job.js";
import { Worker } from "../jobs/worker.js";
import { createRedactor } from "../util/redact.js";
import { openStore } from "../store/open-store.js";
import { startDriftScheduler } from "../drift/drift-scheduler.js";
import { enrollRepos } from "../drift/enroll-repos.js";
import { listInstalledRepos } from "../vcs/github/installed-repos.js";
import picomatch from "picomatch";
import { type ReadinessCheck, readiness } from "./readiness.js";
import { checkDataDir } from "./check-data-dir.js";
import { checkGitHubAtStart } from "./check-github-at-start.js";
import { createGitHubAuthCheck } from "./github-auth-check.js";
import { WEBHOOK_PATH } from "./webhook-address.js";
import { startWebhookRelay } from "./webhook-relay.js";
import { storeOpenError, withOpenTimeout } from "./store-open-error.js";
import { sandboxSettings } from "./sandbox-settings.js";
import { createGitHubVcs } from "../vcs/github/github-vcs.js";
import { createGitHubSignIn } from "../vcs/github/github-sign-in.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../vcs/github/with-retry.js";
import { dataPaths } from "../workspace/data-paths.js";
import { GitWorkspace } from "../workspace/git-workspace.js";

export { WEBHOOK_PATH } from "./webhook-address.js";

export interface SluiceApp {
  server: Server;
  port: number;
  log: Logger;
  /** Stops taking webhooks, lets running jobs finish, closes the store. */
  stop(): Promise<void>;
}

export interface AppOverrides {
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
}

function safeUrlPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** SLUICE_RECOVERY_INTERVAL_MS: how often a replica looks for the work of replicas that died (default 5 s; dead = seen twice). */
function recoveryIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.SLUICE_RECOVERY_INTERVAL_MS);
  return Number.isFinite(ms) && ms >= 100 ? ms : 5_000;
}

function retryFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  const base = Number(env.SLUICE_GITHUB_RETRY_BASE_MS);
  return Number.isFinite(base) && base > 0 ? { ...DEFAULT_RETRY, baseDelayMs: base, maxDelayMs: base * 32 } : DEFAULT_RETRY;
}

/** Builds and starts Sluice: store, worker, Probot (auth and events), and the HTTP endpoint. */
export async function startSluice(env: EnvConfig, overrides: AppOverrides = {}): Promise<SluiceApp> {
  const config = loadServerConfig(env.serverConfigPath);
  // First: the console's generated session key (below) is written into the data dir.
  checkDataDir(env.dataDir);
  const redactPatterns = config.redact_patterns.map((p) => new RegExp(p, "g"));
  // Logs pass through the same redaction as comments: the app's own secrets and configured patterns.
  // What a PR's code could read from this process (/proc/PID/environ, files) must never be posted.
  const databasePassword = env.databaseUrl ? safeUrlPassword(env.databaseUrl) : undefined;
  const consoleEnv = readConsoleEnv(process.env, env.dataDir);
  const appSecrets = [
    ...consoleSecrets(consoleEnv),
    env.webhookSecret,
    env.privateKey,
    ...env.privateKey.split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith("-----")),
    ...(process.env.PRIVATE_KEY ? [process.env.PRIVATE_KEY] : []),
    ...Object.values(config.secrets)
      .map((ref) => process.env[ref.slice("env:".length)])
      .filter((v): v is string => typeof v === "string" && v.length > 0),
    ...(databasePassword ? [databasePassword] : []),
  ];
  const logRedact = createRedactor({ secrets: appSecrets, patterns: redactPatterns });
  const log = pino({
    level: env.logLevel,
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === "string" ? logRedact(a) : a)) as Parameters<typeof method>);
      },
    },
    formatters: {
      log: (obj) => JSON.parse(logRedact(JSON.stringify(obj))) as Record<string, unknown>,
    },
  });

  // Our own (empty) CLI config: the machine's TF_CLI_CONFIG_FILE and ~/.terraformrc do not apply.
  const cliConfig = dataPaths.cliConfig(env.dataDir);
  if (!existsSync(cliConfig)) writeFileSync(cliConfig, "# managed by sluice\n");
  if (config.plugin_cache) mkdirSync(dataPaths.pluginCache(env.dataDir), { recursive: true });

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

  const store = await withOpenTimeout(
    openStore(env.databaseUrl, env.dataDir, { runLockSessions: config.parallel, log: log.child({ name: "store" }) }),
    env.databaseUrl,
  ).catch((e: unknown) => Promise.reject(storeOpenError(e, env.databaseUrl)));
  const metrics = createMetrics(store);
  const probot = new Probot({
    appId: env.appId,
    privateKey: env.privateKey,
    secret: env.webhookSecret,
    baseUrl: env.baseUrl,
    log: log.child({ name: "probot" }),
    // Our adapter retries what is safe to retry, honouring retry-after; Probot's plugins would retry
    // blindly, and its write throttle spaces every comment edit a second apart. A function, because
    // Probot layers its own throttle options over plain defaults.
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...(options.throttle as object), enabled: false },
    })),
  });

  const retry = overrides.retry ?? retryFromEnv(process.env);
  // The app's slug (its comments' author is `<slug>[bot]`). Asked once, when first needed.
  let slug: Promise<string> | undefined;
  const appSlug = () => {
    slug ??= probot
      .auth()
      .then((app) => app.rest.apps.getAuthenticated())
      .then(({ data }) => {
        if (!data?.slug) throw new Error("GitHub did not say the app's slug");
        return data.slug;
      });
    slug.catch(() => {
      slug = undefined;
    });
    return slug;
  };
  const deps: JobDeps = {
    store,
    vcsFor: async (job) =>
      createGitHubVcs(await probot.auth(job.target.installationId), {
        retry,
        requestTimeoutMs: overrides.requestTimeoutMs ?? 30_000,
        appSlug,
        onRateLimit: metrics.rateLimitRemaining,
        onRetry: (message, delayMs) =>
          log.warn({ deliveryId: job.deliveryId, jobId: job.id, delayMs }, `GitHub call failed, retrying: ${message}`),
      }),
    workspace: new GitWorkspace(env.dataDir, logRedact),
    runners: reportMissingTools(
      createRunners({
        pluginCacheDir,
        terraformBinary: config.terraform_binary,
        tofuBinary: config.tofu_binary,
        helmBinary: config.helm_binary,
        kubectlBinary: config.kubectl_binary,
      }),
    ),
    config,
    log,
    dataDir: env.dataDir,
    projectQueue: new PQueue({ concurrency: config.parallel }),
    runnerEnv: { TF_CLI_CONFIG_FILE: cliConfig },
    redactPatterns,
    appRedactor: logRedact,
    reportRetry: { baseMs: retry.baseDelayMs, forMs: 60 * 60_000 },
    sandbox,
    wake: () => worker.notify(),
    publicUrl: consoleEnv.publicUrl,
  };

  // Alone, a replica takes every job it can hold. Beside others (PostgreSQL) it takes only about
  // what its `parallel` tool slots can start soon: a job it claimed waits for this replica alone,
  // while one left queued goes to whichever replica frees up first.
  const maxJobs = env.databaseUrl ? Math.max(4, 2 * config.parallel) : 32;
  const worker = new Worker(store, (job) => metrics.timeJob(job.spec.kind, () => runJob(job, deps)), log, maxJobs);
  const ingress = createIngress({
    store,
    repos: config.repos,
    autoplanDrafts: config.autoplan_drafts,
    atlantisPrefix: config.atlantis_prefix,
    autoplan: config.autoplan,
    allowCommands: config.allow_commands,
    onJob: () => worker.notify(),
    onDuplicate: metrics.webhookDuplicate,
    log,
  });
  probot.onAny(async (context) => ingress({ id: context.id, name: context.name, payload: context.payload }));
  const endpoint = createWebhookEndpoint({
    secret: env.webhookSecret,
    receive: (d) => probot.receive(d as Parameters<typeof probot.receive>[0]),
    log,
    count: { received: metrics.webhookReceived, rejected: metrics.webhookRejected },
  });
  // Sign-in, pages, live logs and /metrics, on the same port (DESIGN.md "Console").
  const operationsConsole = createConsole({
    store,
    env: consoleEnv,
    signIn: consoleEnv.oauth ? createGitHubSignIn({ ...consoleEnv.oauth, baseUrl: env.baseUrl }) : undefined,
    metrics,
    config,
    githubWebUrl: env.baseUrl ? env.baseUrl.replace(/\/api\/v3\/?$/, "") : "https://github.com",
    wake: () => worker.notify(),
    log: log.child({ name: "console" }),
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
  // Tools are looked for once at start: a missing one is named now, not at the first pull request.
  const tools = findTools(
    toolProbes({
      terraform: config.terraform_binary,
      tofu: config.tofu_binary,
      helm: helmBinary(config.helm_binary),
      kubectl: config.kubectl_binary,
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

  await recoverJobs(deps);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.port, env.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, dataDir: env.dataDir }, `Sluice listening on http://${env.host}:${port}${WEBHOOK_PATH}`);
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
  worker.notify();
  // Jobs another replica queued (shared PostgreSQL store), and the work of replicas that died:
  // looked for now and then, not only when this replica receives a webhook.
  // Another replica's new jobs arrive at once (PostgreSQL LISTEN/NOTIFY); the poll stays as a safety net.
  const stopWatching = await store.watchNewJobs?.(() => worker.notify());
  const poll = setInterval(() => worker.notify(), 5_000);
  // A replica that died is noticed within two intervals (see createOrphanWatch).
  const lookForOrphans = createOrphanWatch({
    anyOrphans: async () => (await store.anyOrphans?.()) === true,
    recover: async () => {
      await recoverJobs(deps);
      worker.notify();
    },
  });
  const recover = env.databaseUrl
    ? setInterval(
        () => void lookForOrphans().catch((e: unknown) => log.error({ err: String(e) }, "recovery failed")),
        recoveryIntervalFromEnv(process.env),
      )
    : undefined;
  poll.unref();
  recover?.unref();
  const drift = startDriftScheduler({ store, log: log.child({ name: "drift" }), wake: () => worker.notify() });
  // Server-wide schedules reach every installed repo: enrolled at start and then hourly.
  const enroll = () =>
    enrollRepos({
      list: () => listInstalledRepos(probot),
      store,
      allowed: config.repos.length ? picomatch(config.repos, { nocase: true }) : () => true,
      wake: () => worker.notify(),
      log,
    }).catch((e: unknown) =>
      log.warn({ err: e instanceof Error ? e.message : String(e) }, "drift: could not enroll installed repositories"),
    );
  const enrollTimer =
    config.drift.schedule || config.allowed_overrides.includes("drift") ? setInterval(() => void enroll(), 3_600_000) : undefined;
  if (enrollTimer) {
    enrollTimer.unref();
    void enroll();
  }

  return {
    server,
    port,
    log,
    async stop() {
      clearInterval(poll);
      await stopWatching?.();
      operationsConsole.stop();
      if (recover) clearInterval(recover);
      drift.stop();
      if (enrollTimer) clearInterval(enrollTimer);
      await relay?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker.stop();
      await store.close();
    },
  };
}
