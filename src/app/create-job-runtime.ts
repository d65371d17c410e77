import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createProbot } from "./create-probot.js";
import { planSigningKey } from "../jobs/plan-signature.js";
import { projectQueues } from "../jobs/project-queues.js";
import { exec } from "../../runners/exec.js";
import { reportMissingTools } from "../../runners/missing-tool.js";
import { createRunners } from "../../runners/registry.js";
import { createSandbox } from "../../runners/sandbox/sandbox.js";
import type { EnvConfig } from "../config/env-config.js";
import { readConsoleEnv } from "../console/console-env.js";
import { loadServerSettings, serverConfigFiles } from "../config/load-server-settings.js";
import type { JobDeps } from "../jobs/job-deps.js";
import { createOrphanWatch } from "../jobs/orphan-watch.js";
import { recoverJobs } from "../jobs/recover-jobs.js";
import { runJob } from "../jobs/run-job.js";
import { Worker } from "../jobs/worker.js";
import { openStore } from "../store/open-store.js";
import { createGitHubVcs } from "../vcs/github/github-vcs.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../vcs/github/with-retry.js";
import { dataPaths } from "../workspace/data-paths.js";
import { GitWorkspace } from "../workspace/git-workspace.js";
import { createAppLogger } from "./app-logger.js";
import { sandboxSettings } from "./sandbox-settings.js";
import { errorMessage } from "../util/errors.js";

export interface JobRuntimeOverrides {
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
}

/** What the job side reports to the HTTP side's Prometheus registry. */
export interface JobMetricsPort {
  jobFinished(kind: string, outcome: "done" | "failed", seconds: number): void;
  rateLimitRemaining(n: number): void;
}

export interface JobRuntime {
  /**
   * Begins claiming jobs (the queued ones first), once the process serves webhooks: a process that
   * cannot listen exits before it starts, and cuts off no job it claimed.
   */
  start(): Promise<void>;
  /** A job was queued (by a webhook, the console, the drift scheduler): claim it now. */
  wake(): void;
  /** Claims no more jobs, lets running ones end, closes the store. */
  stop(): Promise<void>;
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

/**
 * Everything that runs jobs: its own store connection, GitHub clients, workspace, runners and
 * worker. It runs on a thread of its own (job-thread.ts), so that the HTTP thread only verifies,
 * persists and answers webhooks. The HTTP thread has already checked the data dir, created the
 * store's schema, taken the data dir's process lock and reported the sandbox's status.
 */
export async function startJobRuntime(
  env: EnvConfig,
  metrics: JobMetricsPort,
  overrides: JobRuntimeOverrides = {},
  deliveriesFirst?: SharedArrayBuffer,
): Promise<JobRuntime> {
  const config = loadServerSettings(serverConfigFiles(process.env, env.serverConfigPath));
  const redactPatterns = config.redact_patterns.map((p) => new RegExp(p, "g"));
  const { log, logRedact } = createAppLogger(env, config);
  const consoleEnv = readConsoleEnv(process.env, env.dataDir);

  // Our own (empty) CLI config: the machine's TF_CLI_CONFIG_FILE and ~/.terraformrc do not apply.
  const cliConfig = dataPaths.cliConfig(env.dataDir);
  if (!existsSync(cliConfig)) writeFileSync(cliConfig, "# managed by sluice\n");
  if (config.plugin_cache) mkdirSync(dataPaths.pluginCache(env.dataDir), { recursive: true });
  const pluginCacheDir = config.plugin_cache ? dataPaths.pluginCache(env.dataDir) : undefined;
  // Its warnings were logged by the HTTP thread, which built the same sandbox from the same settings.
  const sandbox = await createSandbox(sandboxSettings(config, { dataDir: env.dataDir, cliConfig, pluginCacheDir }), exec);

  const store = await openStore(
    env.databaseUrl,
    env.dataDir,
    { runLockSessions: config.parallel, log: log.child({ name: "store" }) },
    { processLockHeld: true, deliveriesFirst: deliveriesFirst && { flag: deliveriesFirst, side: "jobs" } },
  );
  const probot = createProbot(env, log);

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
    workspace: new GitWorkspace(env.dataDir, logRedact, undefined, config.limits.disk),
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
    ...projectQueues(config.parallel),
    runnerEnv: { TF_CLI_CONFIG_FILE: cliConfig },
    redactPatterns,
    appRedactor: logRedact,
    reportRetry: { baseMs: retry.baseDelayMs, forMs: 60 * 60_000 },
    sandbox,
    wake: () => notify(),
    publicUrl: consoleEnv.publicUrl,
    planKey: planSigningKey(env.webhookSecret),
  };

  const timed = async (kind: string, run: () => Promise<void>) => {
    const started = performance.now();
    let outcome: "done" | "failed" = "failed";
    try {
      await run();
      outcome = "done";
    } finally {
      metrics.jobFinished(kind, outcome, (performance.now() - started) / 1000);
    }
  };
  // Alone, a replica takes every job it can hold. Beside others (PostgreSQL) it takes only about
  // what its `parallel` tool slots can start soon: a job it claimed waits for this replica alone,
  // while one left queued goes to whichever replica frees up first.
  const maxJobs = env.databaseUrl ? Math.max(4, 2 * config.parallel) : 32;
  const worker = new Worker(store, (job) => timed(job.spec.kind, () => runJob(job, deps)), log, maxJobs);
  // Until start(): nothing is claimed (recovery's own wake-ups included; start() looks anyway).
  let claiming = false;
  const notify = () => {
    if (claiming) worker.notify();
  };

  await recoverJobs(deps);
  let stopWatching: (() => Promise<void>) | undefined;
  let poll: NodeJS.Timeout | undefined;
  let recover: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    async start() {
      if (claiming) return;
      claiming = true;
      worker.notify();
      // Jobs another replica queued (shared PostgreSQL store), and the work of replicas that died:
      // looked for now and then, not only when this replica receives a webhook.
      // Another replica's new jobs arrive at once (PostgreSQL LISTEN/NOTIFY); the poll stays as a safety net.
      stopWatching = await store.watchNewJobs?.(() => worker.notify());
      if (stopped) return void (await stopWatching?.());
      poll = setInterval(() => worker.notify(), 5_000);
      // A replica that died is noticed within two intervals (see createOrphanWatch).
      const lookForOrphans = createOrphanWatch({
        anyOrphans: async () => (await store.anyOrphans?.()) === true,
        recover: async () => {
          await recoverJobs(deps);
          worker.notify();
        },
      });
      recover = env.databaseUrl
        ? setInterval(
            () => void lookForOrphans().catch((e: unknown) => log.error({ err: errorMessage(e) }, "recovery failed")),
            recoveryIntervalFromEnv(process.env),
          )
        : undefined;
      poll.unref();
      recover?.unref();
    },
    wake: () => notify(),
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(recover);
      await stopWatching?.();
      await worker.stop();
      await store.close();
    },
  };
}
