import type { AuditPayload } from "./audit-payload.js";

/** Slack's mrkdwn needs only these three escaped; everything else is shown as written. */
const escapeSlack = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function where(e: AuditPayload): string {
  if (!e.repo) return "this Sluice server";
  return `${e.repo}${e.project ? ` ${e.project}` : ""}${e.pr ? ` #${e.pr}` : ""}`;
}

function headline(e: AuditPayload): string {
  const at = where(e);
  if (e.kinds.includes("lock-wait")) return `⏳ ${at} waits for its lock (${e.actor})`;
  if (e.action === "gate-refused") return `⛔ refused: ${e.actor} on ${at}${e.rule ? ` (rule ${e.rule})` : ""}`;
  if (e.action === "gate-allowed") return `✅ ${e.actor} applies ${at}${e.road ? ` (${e.road})` : ""}`;
  if (e.kinds.includes("drift")) return `🌊 ${e.action}: ${at} (${e.actor})`;
  return `${e.action}: ${at} (${e.actor})`;
}

/** A Slack incoming-webhook message (`{text, blocks}`) for one event; `text` alone reads well too. */
export function slackMessage(e: AuditPayload): { text: string; blocks: unknown[] } {
  const title = escapeSlack(headline(e));
  const detail = escapeSlack(e.detail.length > 1500 ? `${e.detail.slice(0, 1500)}…` : e.detail);
  return {
    text: detail ? `${title}: ${detail}` : title,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: detail ? `*${title}*\n${detail}` : `*${title}*` } },
      { type: "context", elements: [{ type: "mrkdwn", text: `Sluice audit event ${e.id} · ${escapeSlack(e.at)}` }] },
    ],
  };
}
