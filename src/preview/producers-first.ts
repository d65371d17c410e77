import { type ProjectInputs, producersOf } from "../model/project-inputs.js";

/**
 * Projects ordered so that each comes after the projects of this list it takes outputs from
 * (`inputs_from`, `values_from`): a preview's producers are applied before their dependents read
 * them, and destroyed after (the reverse). Otherwise the given order stays; the config refuses
 * cycles, and a cycle's remainder keeps its order rather than being lost.
 */
export function producersFirst<T extends ProjectInputs & { name: string }>(projects: readonly T[]): T[] {
  const names = new Set(projects.map((p) => p.name));
  const placed = new Set<string>();
  const out: T[] = [];
  let rest = [...projects];
  while (rest.length) {
    const ready = rest.filter((p) => producersOf(p).every((q) => !names.has(q) || q === p.name || placed.has(q)));
    const next = ready.length ? ready : rest;
    for (const p of next) {
      out.push(p);
      placed.add(p.name);
    }
    rest = rest.filter((p) => !placed.has(p.name));
  }
  return out;
}

/**
 * `targets` and every project of `all` that takes outputs from one of them, transitively: what a
 * producer's teardown takes down first, so that no dependent's preview outlives its producer's
 * (nor is destroyed later with production's values standing in for its producer's).
 */
export function withPreviewDependents<T extends ProjectInputs & { name: string }>(targets: readonly T[], all: readonly T[]): T[] {
  const out = new Map(targets.map((t) => [t.name, t]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (out.has(p.name) || !producersOf(p).some((q) => out.has(q))) continue;
      out.set(p.name, p);
      grew = true;
    }
  }
  return [...out.values()];
}
