import type { DestroySchedule, LastApply } from "../model/destroy-schedule.js";
import { formatDuration } from "../util/duration.js";

export interface DueDestroy {
  reason: string;
  /**
   * The key the destroy is queued under, at most once ever: one per `destroy_at` value, one per
   * last apply for `idle_ttl` (only a new apply re-arms it). Never destroyed twice.
   */
  onceKey: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/**
 * Whether a workspace's scheduled destroy has come (pure: the trusted schedule, the workspace's
 * last successful apply, now). `destroy_at` fires once its time passed, unless the workspace was
 * applied again after it (someone brought it back on purpose); `idle_ttl` fires that long after
 * the last apply, and never for a workspace Sluice never applied. The destroy itself is written
 * to the live record (source `scheduled-destroy`): until the next apply, nothing is due again.
 */
export function scheduledDestroyDue(
  where: { repo: string; project: string; workspace: string },
  schedule: DestroySchedule | undefined,
  last: LastApply | undefined,
  now: number,
): DueDestroy | undefined {
  // Destroyed by its schedule and not applied since: there is nothing to destroy (never twice).
  if (!schedule || last?.source === "scheduled-destroy") return undefined;
  const key = `scheduled-destroy:${where.repo}:${where.project}:${where.workspace}`;
  const at = schedule.destroyAt;
  if (at !== undefined && now >= at && !(last && last.at > at)) {
    return { reason: `its \`destroy_at\` (${iso(at)}) passed`, onceKey: `${key}:at:${at}` };
  }
  const ttl = schedule.idleTtlMs;
  if (ttl !== undefined && last && now >= last.at + ttl) {
    return { reason: `no apply for its \`idle_ttl\` (${formatDuration(ttl)}) since ${iso(last.at)}`, onceKey: `${key}:idle:${last.id}` };
  }
  return undefined;
}

/**
 * The newest successful apply of one project's workspace in the live record, or undefined. By
 * project as well as dir and workspace: named projects may share both (`-backend-config`), and
 * one's apply says nothing of when the other was last used.
 */
export function lastApplyOf(
  applies: readonly {
    id: number;
    project: string;
    dir: string;
    workspace: string;
    outcome: string;
    finishedAt?: string;
    number: number;
    source: LastApply["source"];
  }[],
  project: { name: string; dir: string; workspace: string },
): LastApply | undefined {
  let best: LastApply | undefined;
  for (const a of applies) {
    if (a.project !== project.name || a.dir !== project.dir || a.workspace !== project.workspace) continue;
    if (a.outcome !== "succeeded" || !a.finishedAt) continue;
    const at = Date.parse(a.finishedAt);
    if (Number.isFinite(at) && (!best || at > best.at)) best = { id: a.id, at, number: a.number, source: a.source };
  }
  return best;
}
