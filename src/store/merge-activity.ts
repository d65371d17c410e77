import type { ApplyView, PlanRun, ProjectActivity } from "./console-store.js";

/** One row per project (repo + name) from the last plan runs, the last applies and the live applies. */
export function mergeActivity(
  plans: (PlanRun & { repo: string; project: string })[],
  applies: ApplyView[],
  live: ApplyView[],
): ProjectActivity[] {
  const rows = new Map<string, ProjectActivity>();
  const row = (repo: string, project: string) => {
    const key = `${repo}\0${project}`;
    let r = rows.get(key);
    if (!r) {
      r = { repo, project };
      rows.set(key, r);
    }
    return r;
  };
  for (const { repo, project, ...run } of plans) row(repo, project).lastPlan = run;
  for (const a of applies) row(a.repo, a.project).lastApply = a;
  for (const a of live) row(a.repo, a.project).live = a;
  return [...rows.values()].sort((a, b) => a.repo.localeCompare(b.repo) || a.project.localeCompare(b.project));
}
