import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import PQueue from "p-queue";
import pino, { type Logger } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { createRunners } from "../../runners/registry.js";
import type { EnvConfig } from "../config/env-config.js";
import { loadServerConfig } from "../config/server-config.js";
import { createIngress } from "../ingress/ingress.js";
import { createWebhookEndpoint } from "../ingress/webhook-endpoint.js";
import type { JobDeps } from "../jobs/job-deps.js";
import { recoverJobs } from "../jobs/recover-jobs.js";
import { runJob } from "../jobs/run-job.js";
import { Worker } from "../jobs/worker.js";
import { createRedactor } from "../render/redact.js";
import { openStore } from "../store/open-store.js";
import { startDriftScheduler } from "../drift/drift-scheduler.js";
import { enrollRepos } from "../drift/enroll-repos.js";
import { listInstalledRepos } from "../vcs/github/installed-repos.js";
import picomatch from "picomatch";
import { type ReadinessCheck, readiness } from "./readiness.js";
import { createGitHubVcs } from "../vcs/github/github-vcs.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../vcs/github/with-retry.js";
import { dataPaths } from "../workspace/data-paths.js";
import { GitWorkspace } from "../workspace/git-workspace.js";

export const WEBHOOK_PATH = "/api/github/webhooks";

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

function retryFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  const base = Number(env.SLUICE_GITHUB_RETRY_BASE_MS);
  return Number.isFinite(base) && base > 0 ? { ...DEFAULT_RETRY, baseDelayMs: base, maxDelayMs: base * 32 } : DEFAULT_RETRY;
}

/** Builds and starts Sluice: store, worker, Probot (auth and events), and the HTTP endpoint. */
export async function startSluice(env: EnvConfig, overrides: AppOverrides = {}): Promise<SluiceApp> {
  const config = loadServerConfig(env.serverConfigPath);
  const redactPatterns = config.redact_patterns.map((p) => new RegExp(p, "g"));
  // Logs pass through the same redaction as comments: the app's own secrets and configured patterns.
  // What a PR's code could read from this process (/proc/PID/environ, files) must never be posted.
  const databasePassword = env.databaseUrl ? safeUrlPassword(env.databaseUrl) : undefined;
  const appSecrets = [
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
        method.apply(
          this,
          args.map((a) => (typeof a === "string" ? logRedact(a) : a)) as Parameters<typeof method>,
        );
      },
    },
    formatters: {
      log: (obj) => JSON.parse(logRedact(JSON.stringify(obj))) as Record<string, unknown>,
    },
  });

  mkdirSync(env.dataDir, { recursive: true });
  // Our own (empty) CLI config: the machine's TF_CLI_CONFIG_FILE and ~/.terraformrc do not apply.
  const cliConfig = dataPaths.cliConfig(env.dataDir);
  if (!existsSync(cliConfig)) writeFileSync(cliConfig, "# managed by sluice\n");
  if (config.plugin_cache) mkdirSync(dataPaths.pluginCache(env.dataDir), { recursive: true });

  const store = await openStore(env.databaseUrl, env.dataDir, { runLockSessions: config.parallel, log: log.child({ name: "store" }) });
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
  const deps: JobDeps = {
    store,
    vcsFor: async (job) =>
      createGitHubVcs(await probot.auth(job.target.installationId), {
        retry,
        requestTimeoutMs: overrides.requestTimeoutMs ?? 30_000,
        onRetry: (message, delayMs) =>
          log.warn({ deliveryId: job.deliveryId, jobId: job.id, delayMs }, `GitHub call failed, retrying: ${message}`),
      }),
    workspace: new GitWorkspace(env.dataDir, logRedact),
    runners: createRunners({
      pluginCacheDir: config.plugin_cache ? dataPaths.pluginCache(env.dataDir) : undefined,
      terraformBinary: config.terraform_binary,
      tofuBinary: config.tofu_binary,
      helmBinary: config.helm_binary,
      kubectlBinary: config.kubectl_binary,
    }),
    config,
    log,
    dataDir: env.dataDir,
    projectQueue: new PQueue({ concurrency: config.parallel }),
    runnerEnv: { TF_CLI_CONFIG_FILE: cliConfig },
    redactPatterns,
    appRedactor: logRedact,
    reportRetry: { baseMs: retry.baseDelayMs, forMs: 60 * 60_000 },
    wake: () => worker.notify(),
  };

  const worker = new Worker(store, (job) => runJob(job, deps), log);
  const ingress = createIngress({
    store,
    repos: config.repos,
    autoplanDrafts: config.autoplan_drafts,
    onJob: () => worker.notify(),
    log,
  });
  probot.onAny(async (context) => ingress({ id: context.id, name: context.name, payload: context.payload }));
  const endpoint = createWebhookEndpoint({
    secret: env.webhookSecret,
    receive: (d) => probot.receive(d as Parameters<typeof probot.receive>[0]),
    log,
  });

  // Parts that can break while the process runs add a check here; /readyz answers 503 naming them.
  const readinessChecks: ReadinessCheck[] = [{ name: "store", check: () => store.ping() }];

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
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
  });

  await recoverJobs(deps);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.port, env.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, dataDir: env.dataDir }, `Sluice listening on http://${env.host}:${port}${WEBHOOK_PATH}`);
  worker.notify();
  // Jobs another replica queued (shared PostgreSQL store), and the work of replicas that died:
  // looked for now and then, not only when this replica receives a webhook.
  const poll = setInterval(() => worker.notify(), 5_000);
  const recover = env.databaseUrl
    ? setInterval(() => void recoverJobs(deps).then(() => worker.notify(), (e: unknown) => log.error({ err: String(e) }, "recovery failed")), 60_000)
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
    }).catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, "drift: could not enroll installed repositories"));
  const enrollTimer = config.drift.schedule || config.allowed_overrides.includes("drift") ? setInterval(() => void enroll(), 3_600_000) : undefined;
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
      if (recover) clearInterval(recover);
      drift.stop();
      if (enrollTimer) clearInterval(enrollTimer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker.stop();
      await store.close();
    },
  };
}
