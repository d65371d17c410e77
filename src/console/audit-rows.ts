import type { ApplyView, AuditEvent } from "../store/console-store.js";

export interface AuditRow {
  at: string;
  actor: string;
  action: string;
  repo: string;
  project: string;
  pr: string;
  detail: string;
  jobId?: number;
}

export const AUDIT_COLUMNS = ["at", "actor", "action", "repo", "project", "pr", "detail"] as const;

/**
 * Events of no repository that only admins take, and see: an API token's name and repository
 * globs, an audit sink's redelivery. They would tell any reader the names of repositories and
 * automation the reader may not see.
 */
const ADMIN_ONLY_ACTIONS: ReadonlySet<string> = new Set(["api-token-issue", "api-token-revoke", "audit-redeliver"]);

/**
 * The audit trail: applies (from the apply records) and console/drift actions (from the audit
 * events), newest first, limited to repos the user can read; events without a repo (a global
 * pause) are shown to everyone signed in, the admins' own (ADMIN_ONLY_ACTIONS) to admins.
 */
export function auditRows(
  applies: ApplyView[],
  events: AuditEvent[],
  viewer: { readable: (repo: string) => boolean; admin: boolean },
  filter: { repo?: string; action?: string; actor?: string },
): AuditRow[] {
  const fromApplies = applies.map(
    (a): AuditRow => ({
      at: a.finishedAt ?? a.startedAt,
      actor: a.actor,
      action: "apply",
      repo: a.repo,
      project: a.project,
      pr: String(a.pr),
      detail: a.headSha ? `${a.status} (commit ${a.headSha.slice(0, 7)})` : a.status,
      jobId: a.jobId,
    }),
  );
  const fromEvents = events.map(
    (e): AuditRow => ({
      at: e.at,
      actor: e.actor,
      action: e.action,
      repo: e.repo ?? "",
      project: e.project ?? "",
      pr: e.pr === undefined ? "" : String(e.pr),
      detail: e.detail,
    }),
  );
  const actor = filter.actor?.toLowerCase();
  return [...fromApplies, ...fromEvents]
    .filter((r) => (r.repo ? viewer.readable(r.repo) : viewer.admin || !ADMIN_ONLY_ACTIONS.has(r.action)))
    .filter((r) => !filter.repo || r.repo.toLowerCase() === filter.repo.toLowerCase())
    .filter((r) => !filter.action || r.action === filter.action)
    .filter((r) => !actor || r.actor.toLowerCase() === actor)
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/**
 * RFC 4180 CSV. A cell starting with = + - @ (or a tab/CR) is prefixed with ' so a spreadsheet
 * never evaluates text that came from a PR or a login as a formula.
 */
export function toCsv(rows: AuditRow[]): string {
  const cell = (v: string) => {
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [AUDIT_COLUMNS.join(","), ...rows.map((r) => AUDIT_COLUMNS.map((c) => cell(r[c])).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}
