import type { Permission } from "../model/pull-request.js";
import type { ApplyView, LockView, PlanRun, ProjectActivity } from "../store/console-store.js";

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
  canWrite: boolean;
}

export interface OverviewFilter {
  repo?: string;
  status?: ProjectStatus | "locked";
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
 * The overview: every project of every repo the user can read, with its lock; projects known
 * only by a lock are listed too. Filtered, sorted by repo then project.
 */
export function overviewRows(
  activity: ProjectActivity[],
  locks: LockView[],
  access: ReadonlyMap<string, Permission>,
  filter: OverviewFilter,
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
  for (const l of locks) {
    if (!readable(l.repo)) continue;
    const key = `${l.repo}\0${l.project}`;
    const row = rows.get(key) ?? { repo: l.repo, project: l.project, status: "idle" as const, canWrite: canWrite(access.get(l.repo.toLowerCase())) };
    row.lock = l;
    rows.set(key, row);
  }
  const q = filter.q?.trim().toLowerCase();
  return [...rows.values()]
    .filter((r) => !filter.repo || r.repo.toLowerCase() === filter.repo.toLowerCase())
    .filter((r) => !filter.status || (filter.status === "locked" ? r.lock !== undefined : r.status === filter.status))
    .filter((r) => !q || r.project.toLowerCase().includes(q) || r.repo.toLowerCase().includes(q))
    .sort((a, b) => a.repo.localeCompare(b.repo) || a.project.localeCompare(b.project));
}
