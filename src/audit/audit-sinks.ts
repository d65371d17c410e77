import { createHash } from "node:crypto";
import picomatch from "picomatch";
import { repoGlobMatches, splitMatch } from "../config/trusted-identity.js";
import type { ServerConfig } from "../config/server-config.js";
import type { AuditPayload } from "./audit-payload.js";
import { slackMessage } from "./slack-message.js";

/** One place events go: the audit stream, or one `notifications` entry. */
export interface AuditSink {
  /** Stable key of its cursor and delivery log in the store. */
  name: string;
  /** For the console and logs: never the URL, which often holds a token (Slack's does). */
  label: string;
  url: string;
  /** The audit stream starts at the first event ever recorded; a new notification, at the next one. */
  start: "first" | "latest";
  /** HMAC key of `X-Sluice-Signature-256`. */
  secret?: string;
  accepts(e: AuditPayload): boolean;
  body(e: AuditPayload): string;
}

export const AUDIT_STREAM_SINK = "audit-stream";

/** `REPO_GLOB[:PROJECT_GLOB]` against an event; server-wide events (no repo) concern every repo. */
export function matchesEvent(pattern: string, e: Pick<AuditPayload, "repo" | "project">): boolean {
  if (!e.repo) return true;
  const { repo: repoGlob, project: projectGlob = "**" } = splitMatch(pattern);
  // The repository side as every rule reads it (a dot repository included): what acme/* governs, it reports.
  if (!repoGlobMatches(repoGlob, e.repo)) return false;
  return e.project === undefined || picomatch(projectGlob, { dot: true })(e.project);
}

/** The sinks the server config asks for, in a stable order. */
export function auditSinks(config: Pick<ServerConfig, "audit_stream" | "notifications">): AuditSink[] {
  const sinks: AuditSink[] = [];
  const stream = config.audit_stream;
  if (stream) {
    sinks.push({
      name: AUDIT_STREAM_SINK,
      label: `audit stream (${new URL(stream.url).host})`,
      url: stream.url,
      start: "first",
      secret: stream.secret,
      accepts: () => true,
      body: (e) => JSON.stringify(e),
    });
  }
  config.notifications.forEach((n, i) => {
    const hash = createHash("sha256").update(`${n.match}\0${n.url}\0${n.format}`).digest("hex").slice(0, 12);
    // Two identical entries still get a progress of their own each.
    const id = sinks.some((s) => s.name === `notify-${hash}`) ? `${hash}-${i}` : hash;
    const events = new Set(n.events);
    sinks.push({
      name: `notify-${id}`,
      label: `notification ${i + 1} (${n.match}, ${n.format}, ${new URL(n.url).host})`,
      url: n.url,
      start: "latest",
      accepts: (e) => e.kinds.some((k) => events.has(k)) && matchesEvent(n.match, e),
      body: (e) => JSON.stringify(n.format === "slack" ? slackMessage(e) : e),
    });
  });
  return sinks;
}
