import type { DriftCheck } from "../model/drift.js";
import type { ProjectDrift } from "./drift-result.js";

/**
 * What is kept of one project's drift check: its status, why (skipped, failed, not reconciled) and
 * the drift issue the run left open, if any. A reconciled project no longer differs from git.
 * `redact` is the run's: why is a tool's message (a failed apply's says what `state pull` printed),
 * and the console's overview and `GET /api/v1/drift` show it to every reader of the repository.
 */
export function driftCheckOf(
  repo: string,
  r: ProjectDrift,
  checkedAt: string,
  issue: { number: number; htmlUrl: string } | undefined,
  redact: (text: string) => string,
): DriftCheck {
  const check = keptOf(repo, r, checkedAt, issue);
  return { ...check, reason: redact(check.reason) };
}

function keptOf(repo: string, r: ProjectDrift, checkedAt: string, issue?: { number: number; htmlUrl: string }): DriftCheck {
  const base = { repo, project: r.project.name, checkedAt, ...(issue ? { issue: issue.number, issueUrl: issue.htmlUrl } : {}) };
  switch (r.status) {
    case "in-line":
      return { ...base, status: "in-line", reason: "" };
    case "skipped":
      return { ...base, status: "skipped", reason: r.reason };
    case "error":
      return { ...base, status: "error", reason: `${r.step}: ${r.message}` };
    case "drifted": {
      const rec = r.reconcile;
      if (rec?.done && rec.outcome === "applied") return { ...base, status: "reconciled", reason: "" };
      if (rec?.done) return { ...base, status: "drifted", reason: `reconciling failed${rec.message ? `: ${rec.message}` : ""}` };
      return { ...base, status: "drifted", reason: rec ? `not reconciled: ${rec.reason}` : "" };
    }
  }
}
