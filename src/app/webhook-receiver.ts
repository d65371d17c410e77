import type { EnvConfig } from "../config/env-config.js";
import type { Metrics } from "../console/metrics.js";
import { githubHosts } from "../ingress/delivery-hosts.js";
import { ingressSettings } from "../ingress/event-to-job.js";
import { createIngress } from "../ingress/ingress.js";
import { settingsByRepo } from "../ingress/settings-by-repo.js";
import { createWebhookEndpoint } from "../ingress/webhook-endpoint.js";
import { receivingDelivery } from "../store/deliveries-first.js";
import { DiskReserve, reserveKeeper } from "../util/disk-reserve.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { Runtime } from "./build-runtime.js";

/** The webhook endpoint: signed deliveries straight to ingress, with room kept for them on a full data volume. */
export function createWebhookReceiver(
  env: EnvConfig,
  { config, store, log }: Pick<Runtime, "config" | "store" | "log">,
  parts: { metrics: Metrics; deliveriesFirst: SharedArrayBuffer; wake: () => void },
) {
  const { metrics, deliveriesFirst, wake } = parts;
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
  return createWebhookEndpoint({
    secret: env.webhookSecret,
    // Straight to ingress: the signature is checked here already, and Probot's event context (an
    // authenticated Octokit per delivery) is never used.
    receive: ingress,
    log,
    count: { received: metrics.webhookReceived, rejected: metrics.webhookRejected },
    reserve: config.data_reserve > 0 ? reserveKeeper(reserve) : undefined,
    receiving: receivingDelivery(deliveriesFirst),
  });
}
