import type { DriftCheck, DriftPause } from "../model/drift.js";
import type { Permission } from "../model/pull-request.js";
import type { ApplyView, LockView, PlanRun, ProjectActivity } from "../store/console-store.js";
import type { LiveApply } from "../store/store.js";

export type ProjectStatus = "running" | "failed" | "pending" | "applied" | "idle";
export const STATUSES: readonly ProjectStatus[] = ["running", "failed", "pending", "applied", "idle"];

export interface OverviewRow {
  repo: string;
  project: string;
  status: ProjectStatus;
  lastPlan?: PlanRun;
  lastApply?: ApplyView;
  live?: ApplyView;
  lock?: LockView;
  /** The last drift check, and a pause of reconciliation (pull mode). */
  drift?: DriftCheck;
  driftPause?: DriftPause;
  /** The newest successful apply of the live record, whatever started it (PR, merge, drift issue, reconcile). */
  liveRecord?: LiveApply;
  canWrite: boolean;
}

/** Pull mode's view of the projects: last checks, pauses, and the live record (newest first). */
export interface DriftView {
  checks: DriftCheck[];
  pauses: DriftPause[];
  live: LiveApply[];
}

const NO_DRIFT: DriftView = { checks: [], pauses: [], live: [] };

export interface OverviewFilter {
  repo?: string;
  /** A project status, or "locked" (a PR holds its lock), or "drifted" (its last drift check found drift). */
  status?: ProjectStatus | "locked" | "drifted";
  /** Case-insensitive part of the project name (or repo). */
  q?: string;
}

const WRITE: ReadonlySet<Permission> = new Set(["admin", "maintain", "write"]);
export const canWrite = (p: Permission | undefined) => p !== undefined && WRITE.has(p);

/** One status word per project: what needs attention first. */
export function projectStatus(r: Pick<OverviewRow, "lastPlan" | "lastApply" | "live">): ProjectStatus {
  const plan = r.lastPlan;
  const apply = r.lastApply;
  if (apply?.status === "started" || plan?.jobStatus === "running" || plan?.jobStatus === "queued") return "running";
  const planAt = plan?.at ?? "";
  const applyAt = apply?.finishedAt ?? apply?.startedAt ?? "";
  if (apply && applyAt >= planAt) return apply.status === "succeeded" ? "applied" : "failed";
  if (plan) {
    if (plan.planStatus === "pending") return "pending";
    if (plan.planStatus === "applied") return "applied";
    // A finished plan run that saved no plan failed (a refusal, e.g. a lock, runs no tool and has no log).
    if (!plan.planStatus) return "failed";
  }
  return r.live ? "applied" : "idle";
}

/**
 * The overview: every project of every repo the user can read, with its lock and drift state;
 * projects known only by a lock or a drift check are listed too. Filtered, sorted by repo then project.
 */
export function overviewRows(
  activity: ProjectActivity[],
  locks: LockView[],
  access: ReadonlyMap<string, Permission>,
  filter: OverviewFilter,
  drift: DriftView = NO_DRIFT,
): OverviewRow[] {
  const readable = (repo: string) => {
    const p = access.get(repo.toLowerCase());
    return p !== undefined && p !== "none";
  };
  const rows = new Map<string, OverviewRow>();
  for (const a of activity) {
    if (!readable(a.repo)) continue;
    rows.set(`${a.repo}\0${a.project}`, {
      repo: a.repo,
      project: a.project,
      lastPlan: a.lastPlan,
      lastApply: a.lastApply,
      live: a.live,
      status: projectStatus(a),
      canWrite: canWrite(access.get(a.repo.toLowerCase())),
    });
  }
  const rowOf = (repo: string, project: string): OverviewRow => {
    const key = `${repo}\0${project}`;
    const row: OverviewRow = rows.get(key) ?? { repo, project, status: "idle", canWrite: canWrite(access.get(repo.toLowerCase())) };
    rows.set(key, row);
    return row;
  };
  for (const l of locks) if (readable(l.repo)) rowOf(l.repo, l.project).lock = l;
  for (const c of drift.checks) if (readable(c.repo)) rowOf(c.repo, c.project).drift = c;
  for (const p of drift.pauses) if (readable(p.repo)) rowOf(p.repo, p.project).driftPause = p;
  for (const l of drift.live) {
    if (l.outcome !== "succeeded" || !readable(l.repo)) continue;
    const row = rowOf(l.repo, l.project);
    row.liveRecord ??= l;
  }
  // Applied only through pull mode (a drift issue or a reconcile) is still applied.
  for (const row of rows.values()) if (row.liveRecord && row.status === "idle") row.status = "applied";
  const q = filter.q?.trim().toLowerCase();
  return [...rows.values()]
    .filter((r) => !filter.repo || r.repo.toLowerCase() === filter.repo.toLowerCase())
    .filter(
      (r) =>
        !filter.status ||
        (filter.status === "locked"
          ? r.lock !== undefined
          : filter.status === "drifted"
            ? r.drift?.status === "drifted"
            : r.status === filter.status),
    )
    .filter((r) => !q || r.project.toLowerCase().includes(q) || r.repo.toLowerCase().includes(q))
    .sort((a, b) => a.repo.localeCompare(b.repo) || a.project.localeCompare(b.project));
}
