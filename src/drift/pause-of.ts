import type { DriftPause } from "../model/drift.js";
import type { Project } from "../model/project.js";
import type { Store } from "../store/store.js";
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

/** The project's pause as the store holds it now (what is live is read only when some pause exists). */
export async function pausedNow(
  store: Pick<Store, "driftPauses" | "liveApplies">,
  repo: string,
  project: Pick<Project, "name" | "dir" | "workspace">,
): Promise<DriftPause | undefined> {
  const pauses = await store.driftPauses(repo);
  return pauses.length ? pauseOf(pauses, await store.liveApplies(repo), project) : undefined;
}

/**
 * The names `/drift resume -p PROJECT` clears: its own, and the one its pause was found under when
 * that name is gone from the default branch (a rename). A pause under the name of a project the
 * branch still has (one that moved out of this place) is that project's, resumed by its own name.
 */
export function resumedNames(project: string, held: DriftPause | undefined, names: readonly string[]): string[] {
  return held && held.project !== project && !names.includes(held.project) ? [project, held.project] : [project];
}
