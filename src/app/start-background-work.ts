import type { Logger } from "pino";
import { startAuditDeliverer } from "../audit/audit-deliverer.js";
import { auditSinks } from "../audit/audit-sinks.js";
import type { EnvConfig } from "../config/env-config.js";
import { repoAllowed } from "../config/server-config-for.js";
import { startDriftScheduler } from "../drift/drift-scheduler.js";
import { startHealSweeper } from "../heal/heal-sweeper.js";
import { startWebhookRedeliverer } from "../heal/webhook-redeliverer.js";
import { closeEventGraceMs } from "../heal/close-event-grace.js";
import type { Metrics } from "../console/metrics.js";
import { hookDeliveriesSince, redeliverHookDelivery } from "../vcs/github/app-hook-deliveries.js";
import { previewSweepFromEnv, startPreviewSweeper } from "../preview/preview-sweeper.js";
import { errorMessage } from "../util/errors.js";
import type { Runtime } from "./build-runtime.js";
import { checkGitHubAtStart } from "./check-github-at-start.js";
import type { createProbot } from "./create-probot.js";
import type { createReadinessChecks } from "./readiness-checks.js";
import { startDriftEnrollment } from "./start-drift-enrollment.js";
import { configuredAccounts, configuredLogins, startPeopleResolution } from "./resolve-people-at-start.js";
import { accountLoginLookup, userIdLookup } from "../vcs/github/user-id-lookup.js";

/** SLUICE_AUDIT_POLL_MS, SLUICE_AUDIT_RETRY_BASE_MS: how often the audit stream looks for events, first retry wait. */
function auditTimingFromEnv(env: NodeJS.ProcessEnv): { pollMs?: number; retryBaseMs?: number } {
  const ms = (v: string | undefined) => (Number.isFinite(Number(v)) && Number(v) >= 10 ? Number(v) : undefined);
  return { pollMs: ms(env.SLUICE_AUDIT_POLL_MS), retryBaseMs: ms(env.SLUICE_AUDIT_RETRY_BASE_MS) };
}

type Readiness = ReturnType<typeof createReadinessChecks>;

/**
 * What runs on the HTTP thread beside the requests, started once the server listens: the check of
 * GitHub's settings, the permissions watch, the drift, preview and heal sweeps, the redelivery of
 * failed webhook deliveries, the audit stream and drift enrollment. Stopped in the order they were started.
 */
export function startBackgroundWork(
  env: EnvConfig,
  { config, store }: Pick<Runtime, "config" | "store">,
  parts: {
    log: Logger;
    probot: ReturnType<typeof createProbot>;
    githubAuth: Readiness["githubAuth"];
    permissionsCheck: Readiness["permissionsCheck"];
    listenUrl: string;
    wake: () => void;
    metrics: Pick<Metrics, "webhookRedelivery">;
  },
) {
  const { log, probot, wake } = parts;
  void checkGitHubAtStart({
    auth: parts.githubAuth,
    hookUrl: async () => (await (await probot.auth()).request("GET /app/hook/config")).data.url ?? "",
    config,
    publicUrl: env.publicUrl,
    proxyUrl: env.webhookProxyUrl,
    listenUrl: parts.listenUrl,
    log,
  }).catch((e: unknown) => log.error({ err: errorMessage(e) }, "GitHub check at start failed"));
  void parts.permissionsCheck.start();
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
          closeGraceMs: closeEventGraceMs(config.reconcile_interval),
          log: log.child({ name: "heal" }),
          counted: parts.metrics.webhookRedelivery,
        });
  // On this thread, reading what the job thread recorded: an apply never waits for a receiver.
  const audit = startAuditDeliverer({
    store,
    sinks: auditSinks(config),
    log: log.child({ name: "audit-stream" }),
    ...auditTimingFromEnv(process.env),
  });
  const stopEnrollment = startDriftEnrollment({ probot, store, config, wake, log });
  const stopPeople = startPeopleResolution({
    store,
    userId: userIdLookup(probot),
    log: log.child({ name: "people" }),
    logins: configuredLogins(config),
    accounts: configuredAccounts(config),
    loginOf: accountLoginLookup(probot),
    retryMs: config.reconcile_interval,
  });
  return {
    audit,
    async stop() {
      drift.stop();
      previews.stop();
      heal.stop();
      redelivery?.stop();
      await audit.stop();
      stopEnrollment();
      stopPeople();
    },
  };
}
