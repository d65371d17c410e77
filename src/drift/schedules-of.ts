import type { DriftSchedule } from "../model/drift.js";
import type { Project } from "../model/project.js";
import { nextRunAfter } from "../util/cron.js";

/** Groups a repo's projects by their cron expression (pure); projects without one are not scheduled. */
export function schedulesOf(
  projects: Project[],
  scheduleOf: (p: Project) => string | undefined,
  now: number,
): Omit<DriftSchedule, "repo">[] {
  const byCron = new Map<string, string[]>();
  for (const p of projects) {
    const cron = scheduleOf(p);
    if (!cron) continue;
    byCron.set(cron, [...(byCron.get(cron) ?? []), p.name]);
  }
  const out: Omit<DriftSchedule, "repo">[] = [];
  for (const [cron, names] of byCron) {
    const next = nextRunAfter(cron, now);
    if (next !== undefined) out.push({ cron, projects: names.sort(), nextRunAt: next });
  }
  return out.sort((a, b) => (a.cron < b.cron ? -1 : 1));
}
