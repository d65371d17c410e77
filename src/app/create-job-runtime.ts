import { planSigningKey } from "../tool-runs/plan-signature.js";
import { projectQueues } from "../queue/project-queues.js";
import { reportMissingTools } from "../../runners/missing-tool.js";
import { createRunners } from "../../runners/registry.js";
import { keepTerragruntParsesIn } from "../../runners/terragrunt/read-terragrunt-files.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { Logger } from "pino";
import type { EnvConfig } from "../config/env-config.js";
import type { ServerConfig } from "../config/server-config.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { createOrphanWatch } from "../queue/orphan-watch.js";
import { recoverJobs } from "../queue/recover-jobs.js";
import { runJob } from "../jobs/run-job.js";
import { Worker } from "../queue/worker.js";
import { createGitHubApp, type GitHubApp } from "../vcs/github/github-app.js";
import { createGitHubVcs } from "../vcs/github/github-vcs.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../vcs/github/with-retry.js";
import { GitWorkspace } from "../workspace/git-workspace.js";
import { buildRuntime } from "./build-runtime.js";
import { createOidcIssuer } from "../credentials/oidc-issuer.js";
import { clearRunCredentials } from "../tool-runs/run-credentials.js";
import { errorMessage } from "../util/errors.js";
import { afterDeliveries } from "../store/deliveries-first.js";

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
 * worker, built like the HTTP thread's (build-runtime.ts). It runs on a thread of its own
 * (job-thread.ts), so that the HTTP thread only verifies, persists and answers webhooks.
 */
export async function startJobRuntime(
  env: EnvConfig,
  metrics: JobMetricsPort,
  overrides: JobRuntimeOverrides = {},
  deliveriesFirst?: SharedArrayBuffer,
): Promise<JobRuntime> {
  const { config, consoleEnv, log, logRedact, cliConfig, pluginCacheDir, sandbox, store } = await buildRuntime(env, {
    thread: "jobs",
    deliveriesFirst,
  });
  // Token dirs a process that died mid-run left behind (valid minutes still); no run has started yet.
  clearRunCredentials(env.dataDir);
  // Only this thread discovers projects: the one writer of the kept parses.
  keepTerragruntParsesIn(dataPaths.terragruntParses(env.dataDir), (message) => log.warn(message));

  const retry = overrides.retry ?? retryFromEnv(process.env);
  const deps: JobDeps = {
    store,
    vcsFor: jobVcs(createGitHubApp(env, log), { retry, requestTimeoutMs: overrides.requestTimeoutMs ?? 30_000, metrics, log }),
    workspace: new GitWorkspace(
      env.dataDir,
      logRedact,
      undefined,
      config.limits.disk,
      (message) => log.warn(message),
      dataPaths.worktreeRoot(env.dataDir, env.worktreeDir),
    ),
    tools: {
      runners: jobRunners(config, pluginCacheDir),
      sandbox,
      env: { TF_CLI_CONFIG_FILE: cliConfig },
      ...projectQueues(config.parallel, config.memory_budget),
    },
    config,
    log,
    dataDir: env.dataDir,
    redaction: { app: logRedact },
    reporting: { retry: { baseMs: retry.baseDelayMs, forMs: 60 * 60_000 }, publicUrl: consoleEnv.publicUrl },
    wake: () => notify(),
    oidcIssuer: consoleEnv.publicUrl ? createOidcIssuer({ issuer: consoleEnv.publicUrl, keys: store }) : undefined,
    planKey: planSigningKey(env.webhookSecret),
  };

  const timed = timedJobs(metrics);
  // Alone, a replica takes every job it can hold. Beside others (PostgreSQL) it takes only about
  // what its `parallel` tool slots can start soon: a job it claimed waits for this replica alone,
  // while one left queued goes to whichever replica frees up first.
  const maxJobs = env.databaseUrl ? Math.max(4, 2 * config.parallel) : 32;
  // A burst of deliveries is answered first: new jobs start between deliveries (see afterDeliveries).
  const beforeClaim = deliveriesFirst && afterDeliveries(deliveriesFirst);
  const worker = new Worker(store, (job) => timed(job.spec.kind, () => runJob(job, deps)), log, maxJobs, beforeClaim);
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

/**
 * Each job's GitHub client, as its installation: retried, timed out, its rate limit reported, and
 * the app's slug (its comments' author is `<slug>[bot]`) asked once for all of them.
 */
function jobVcs(
  github: GitHubApp,
  opts: { retry: RetryPolicy; requestTimeoutMs: number; metrics: JobMetricsPort; log: Logger },
): JobDeps["vcsFor"] {
  const { retry, requestTimeoutMs, metrics, log } = opts;
  const appSlug = appSlugOnce(github);
  return async (job) =>
    createGitHubVcs(await github.installation(job.target.installationId), {
      retry,
      requestTimeoutMs,
      appSlug,
      onRateLimit: metrics.rateLimitRemaining,
      onRetry: (message, delayMs) =>
        log.warn({ deliveryId: job.deliveryId, jobId: job.id, delayMs }, `GitHub call failed, retrying: ${message}`),
    });
}

/** The app's slug, asked of GitHub when first needed and kept; a failed ask is asked again next time. */
function appSlugOnce(github: GitHubApp): () => Promise<string> {
  let slug: Promise<string> | undefined;
  return () => {
    slug ??= github
      .app()
      .rest.apps.getAuthenticated()
      .then(({ data }) => {
        if (!data?.slug) throw new Error("GitHub did not say the app's slug");
        return data.slug;
      });
    slug.catch(() => {
      slug = undefined;
    });
    return slug;
  };
}

/** Every tool's runner with the binaries the server config names, a missing tool reported once. */
function jobRunners(config: ServerConfig, pluginCacheDir: string | undefined) {
  return reportMissingTools(
    createRunners({
      pluginCacheDir,
      terraformBinary: config.terraform_binary,
      tofuBinary: config.tofu_binary,
      helmBinary: config.helm_binary,
      kubectlBinary: config.kubectl_binary,
      terragruntBinary: config.terragrunt_binary,
    }),
  );
}

/** Runs a job, counted and timed in the metrics as done or failed (a throw is a failure). */
function timedJobs(metrics: JobMetricsPort) {
  return async (kind: string, run: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    let outcome: "done" | "failed" = "failed";
    try {
      await run();
      outcome = "done";
    } finally {
      metrics.jobFinished(kind, outcome, (performance.now() - started) / 1000);
    }
  };
}
