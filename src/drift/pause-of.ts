import type { DriftPause } from "../model/drift.js";
import type { Project } from "../model/project.js";
import type { LiveApply } from "../store/store-records.js";

/**
 * The pause that holds a project's reconciles: the one set under its name, else one set under a
 * name its dir and workspace were applied under. A pause is keyed by name (what people type), but
 * what it protects is what is live in that place: renamed on the default branch while paused (an
 * interrupted reconcile pauses it), the project must not be reconciled by itself under its new name.
 */
export function pauseOf(
  pauses: readonly DriftPause[],
  live: readonly Pick<LiveApply, "project" | "dir" | "workspace">[],
  project: Pick<Project, "name" | "dir" | "workspace">,
): DriftPause | undefined {
  const own = pauses.find((p) => p.project === project.name);
  if (own) return own;
  const names = new Set(live.filter((l) => l.dir === project.dir && l.workspace === project.workspace).map((l) => l.project));
  return pauses.find((p) => names.has(p.project));
}
