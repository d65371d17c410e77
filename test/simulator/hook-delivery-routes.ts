import type { components } from "@octokit/openapi-types";
import { DOCS, notFound, ok, RestError, type RestRequest } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { DeliveryRecord } from "./sim-types.js";

type Item = components["schemas"]["hook-delivery-item"];

/** GitHub's words for an attempt: `OK` for a 2xx or 3xx answer, else what went wrong. */
function statusOf(d: DeliveryRecord): string {
  if (d.status >= 200 && d.status < 400) return "OK";
  if (d.status === 0) return d.body.includes("timed out") ? "timed out" : "failed to connect to host";
  return `Invalid HTTP Response: ${d.status}`;
}

function itemOf(d: DeliveryRecord): Item {
  return {
    id: d.id,
    guid: d.deliveryId,
    delivered_at: new Date(d.at).toISOString().replace(/\.\d{3}Z$/, "Z"),
    redelivery: d.redelivery,
    duration: d.ms / 1000,
    status: statusOf(d),
    status_code: d.status,
    event: d.event,
    action: d.action,
    installation_id: d.installationId,
    repository_id: d.repositoryId,
    throttled_at: null,
  };
}

/**
 * Newest first, `per_page` of them (default 30, at most 100) from `cursor` on; the Link header's
 * `next` carries the cursor of the page after, as GitHub's does (it pages these by cursor, not `page`).
 */
function cursorPage(req: RestRequest, items: Item[], selfUrl: string): { page: Item[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(req.query.get("per_page")) || 30, 1), 100);
  const cursor = req.query.get("cursor");
  const from = cursor ? items.findIndex((i) => String(i.id) === cursor) : 0;
  if (from < 0) throw new RestError(422, { message: "Invalid cursor", documentation_url: DOCS, status: "422" });
  const page = items.slice(from, from + perPage);
  const after = items[from + perPage];
  if (!after) return { page, headers: {} };
  const q = new URLSearchParams({ per_page: String(perPage), cursor: String(after.id) });
  return { page, headers: { link: `<${selfUrl}?${q}>; rel="next"` } };
}

/** The app's webhook deliveries (`GET /app/hook/deliveries`) and their redelivery, with the app's JWT. */
export function registerHookDeliveryRoutes(router: RestRouter, core: SimCore): void {
  const { ctx } = core;
  router.add("GET", "/app/hook/deliveries", "jwt", (req) => {
    const status = req.query.get("status");
    const items = [...core.webhooks.deliveries]
      .reverse()
      .map(itemOf)
      // `status`: success is a status code from 200 to 399, failure one from 400 to 599.
      .filter((i) =>
        status === "success"
          ? i.status_code >= 200 && i.status_code < 400
          : status === "failure"
            ? i.status_code >= 400 && i.status_code < 600
            : true,
      );
    const { page, headers } = cursorPage(req, items, `${ctx.api}/app/hook/deliveries`);
    return ok(page, 200, headers);
  });
  router.add("POST", "/app/hook/deliveries/{delivery_id}/attempts", "jwt", (req) => {
    const outcome = core.webhooks.redeliverAttempt(Number(req.params.delivery_id));
    if (outcome === "missing") throw notFound();
    if (outcome === "too old")
      throw new RestError(422, { message: "This delivery is too old to redeliver.", documentation_url: DOCS, status: "422" });
    return ok({}, 202);
  });
}
