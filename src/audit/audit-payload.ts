import { z } from "zod";
import { NOTIFICATION_EVENTS, type NotificationEvent } from "../config/audit-stream-config.js";
import type { AuditEvent } from "../store/console-store.js";

/**
 * One audit event as the stream delivers it (the body of each POST). The JSON Schema in
 * schema/audit-event.schema.json is generated from this, so the two cannot disagree.
 */
export const auditPayloadSchema = z
  .strictObject({
    id: z.number().int().positive().describe("The event's number: increases with every event, so receivers order and deduplicate by it"),
    at: z.string().describe("When it was recorded, ISO 8601 in UTC"),
    action: z
      .string()
      .describe(
        "What happened: one of the actions listed in docs/reference/audit-events.md (gate-allowed, gate-refused, lock-wait, unlock, pause, resume, reconcile, …); also the X-Sluice-Event header",
      ),
    actor: z.string().describe("The GitHub login that asked, or `sluice` for what Sluice did by itself"),
    repo: z.string().optional().describe("owner/name; absent for server-wide events (pause, resume)"),
    project: z
      .string()
      .optional()
      .describe(
        "The project's name: on a gate decision, the base branch's project it is (its trusted identity), whatever the pull request calls it; a new project's own",
      ),
    pr: z.number().int().optional().describe("The pull request or drift issue number"),
    detail: z.string().describe("What was decided and why, as the console's audit shows it"),
    road: z.string().optional().describe("Gate decisions: the road (comment, button, merge, drift-issue, reconcile, import, state-rm)"),
    rule: z.string().optional().describe("Gate refusals: the rule that refused (pause, actor, plan, lock, requirements, …)"),
    approvers: z
      .array(z.string())
      .optional()
      .describe("Gate decisions that recorded them (`approvers: a, b` in the detail): the approvals counted for the apply"),
    kinds: z.array(z.enum(NOTIFICATION_EVENTS)).describe("What notifications call this event (server config `notifications[].events`)"),
  })
  .meta({ title: "Sluice audit event", description: "One audit event, as Sluice's audit stream POSTs it" });

export type AuditPayload = z.output<typeof auditPayloadSchema>;

const DRIFT_ROADS = new Set(["drift-issue", "reconcile"]);

/**
 * `road: X; rule: Y; …` or `road: X; approvers: A, B; …`: the gate's detail (record-decision.ts),
 * read back for fields a receiver can filter on, each only where the gate writes it. What follows
 * holds text of the pull request's (a resource address, a `for_each` key is any string) and of
 * whoever commented (an override's reason): a `; approvers: ceo` there is not an approval.
 */
function detailField(detail: string, key: "road" | "rule" | "approvers", at: number): string | undefined {
  const part = detail.split("; ")[at] ?? "";
  return part.startsWith(`${key}: `) ? part.slice(key.length + 2).trim() || undefined : undefined;
}

/** What notifications call an event: an apply let through, a refusal, a wait for a lock, drift… */
export function eventKinds(action: string, road: string | undefined, rule: string | undefined): NotificationEvent[] {
  const kinds = new Set<NotificationEvent>();
  if (action === "gate-allowed") kinds.add("apply");
  if (action === "gate-refused") kinds.add("refused");
  if (action === "lock-wait" || (action === "gate-refused" && rule === "lock")) kinds.add("lock-wait");
  if (action.startsWith("drift") || action === "reconcile" || (road && DRIFT_ROADS.has(road))) kinds.add("drift");
  if (action === "unlock") kinds.add("unlock");
  if (action === "pause" || action === "resume") kinds.add("pause");
  return [...kinds];
}

/** The stream's body for a stored event (absent fields stay absent, never null). */
export function auditPayload(e: AuditEvent): AuditPayload {
  const gate = e.action.startsWith("gate-");
  const road = gate ? detailField(e.detail, "road", 0) : undefined;
  const rule = e.action === "gate-refused" ? detailField(e.detail, "rule", 1) : undefined;
  // Only an allowed change has approvers, written right after its road.
  const approvers =
    e.action === "gate-allowed"
      ? detailField(e.detail, "approvers", 1)
          ?.split(",")
          .map((a) => a.trim())
          .filter(Boolean)
      : undefined;
  return {
    id: e.id,
    at: e.at,
    action: e.action,
    actor: e.actor,
    ...(e.repo ? { repo: e.repo } : {}),
    ...(e.project ? { project: e.project } : {}),
    ...(e.pr ? { pr: e.pr } : {}),
    detail: e.detail,
    ...(road ? { road } : {}),
    ...(rule ? { rule } : {}),
    ...(approvers?.length ? { approvers } : {}),
    kinds: eventKinds(e.action, road, rule),
  };
}
