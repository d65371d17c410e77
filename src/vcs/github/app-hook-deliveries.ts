import type { Probot } from "probot";
import type { HookDelivery } from "../../model/hook-delivery.js";

/** How many attempts one look reads at the most (ten pages of GitHub's hundred). */
const MAX_READ = 1000;

/**
 * The app's webhook delivery attempts (`GET /app/hook/deliveries`, app JWT), newest first, back to
 * `sinceMs` (GitHub pages them by a cursor in the Link header; octokit follows it).
 */
export async function hookDeliveriesSince(probot: Probot, sinceMs: number): Promise<HookDelivery[]> {
  const app = await probot.auth();
  const out: HookDelivery[] = [];
  for await (const { data } of app.paginate.iterator(app.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
    for (const d of data) {
      const at = Date.parse(d.delivered_at);
      if (at < sinceMs) return out;
      out.push({
        id: Number(d.id),
        guid: d.guid,
        at,
        statusCode: d.status_code,
        redelivery: d.redelivery,
        event: d.event,
        action: d.action ?? null,
      });
    }
    if (out.length >= MAX_READ) return out;
  }
  return out;
}

/** `POST /app/hook/deliveries/{id}/attempts`: GitHub sends that delivery again, under its GUID. */
export async function redeliverHookDelivery(probot: Probot, id: number): Promise<void> {
  const app = await probot.auth();
  await app.rest.apps.redeliverWebhookDelivery({ delivery_id: id });
}
