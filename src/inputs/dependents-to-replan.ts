import type { Project } from "../model/project.js";
import { producersOf } from "../model/project-inputs.js";

/**
 * Pure: which projects with a pending plan take outputs of a project just applied (each with the
 * applied producers it takes from). Those applied in the same run are left out.
 */
export function dependentsToReplan(
  all: readonly Project[],
  applied: readonly string[],
  pending: readonly string[],
): { name: string; producers: string[] }[] {
  const done = new Set(applied);
  const waiting = new Set(pending);
  return all.flatMap((p) => {
    if (done.has(p.name) || !waiting.has(p.name)) return [];
    const producers = producersOf(p).filter((n) => done.has(n));
    return producers.length ? [{ name: p.name, producers }] : [];
  });
}
