import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleContext, Viewer } from "./console-context.js";
import { renderPage } from "./console-templates.js";
import { redirect, sendHtml, sendJson } from "./http-replies.js";
import { isRowId } from "../model/row-id.js";

// The audit stream's delivery log and redelivery: the server's admins only (they run the receivers).

const LIMIT = 500;

function labelOf(ctx: ConsoleContext, sink: string): string {
  return ctx.deps.auditSinks?.find((s) => s.name === sink)?.label ?? `${sink} (no longer configured)`;
}

export async function deliveriesPage(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer, format: "html" | "json") {
  const { store, layout, message, pauseState } = ctx;
  if (!v.admin) {
    if (format === "json") return sendJson(res, 403, { error: "only the server's admins (server config `admins`) see deliveries" });
    return message(res, 403, v, "Not allowed", "Only the server's admins (server config `admins`) see the audit stream's deliveries.");
  }
  const sink = url.searchParams.get("sink") || undefined;
  const rows = (await store.auditDeliveries({ sink, limit: LIMIT })).map((d) => ({ ...d, label: labelOf(ctx, d.sink) }));
  if (format === "json") return sendJson(res, 200, rows);
  const done = url.searchParams.get("done") === "redeliver" ? "Redelivery queued: the event is sent again in a moment." : undefined;
  sendHtml(
    res,
    200,
    renderPage("deliveries", layout(v, "Audit deliveries", { nav: "audit", pause: await pauseState(), flash: done }), {
      rows,
      sinks: ctx.deps.auditSinks ?? [],
      sink,
    }),
  );
}

export async function redeliver(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, v: Viewer) {
  const { deps, store, message, postForm } = ctx;
  const form = await postForm(req, res, v);
  if (!form) return;
  if (!v.admin) return message(res, 403, v, "Not allowed", "Only the server's admins (server config `admins`) may redeliver events.");
  const sink = form.get("sink") ?? "";
  const eventId = Number(form.get("event"));
  const back = { href: "/audit/deliveries", text: "Deliveries" };
  if (!isRowId(eventId) || !(await store.requestAuditRedelivery(sink, eventId)))
    return message(res, 404, v, "No such delivery", "That event was never sent to that receiver.", back);
  await store.recordAudit({
    actor: v.actor,
    action: "audit-redeliver",
    detail: `event ${eventId} to ${labelOf(ctx, sink)} (from ${v.via})`,
  });
  deps.log.info({ user: v.actor, sink, eventId }, "audit event redelivery queued from the console");
  deps.wakeAudit?.();
  redirect(res, "/audit/deliveries?done=redeliver", 303);
}
