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
