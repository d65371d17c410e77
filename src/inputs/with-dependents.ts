import type { Project } from "../model/project.js";
import { producersOf, refText } from "../model/project-inputs.js";

/**
 * The affected projects, plus every project that takes outputs from one of them (transitively):
 * a change to a producer's outputs is a change to its dependents' inputs. Each added dependent
 * says why. Order: the affected first, then dependents as found.
 */
export function withDependents(all: readonly Project[], affected: readonly Project[]): Project[] {
  const out = [...affected];
  const names = new Set(affected.map((p) => p.name));
  for (let i = 0; i < out.length; i++) {
    const producer = out[i] as Project;
    for (const p of all) {
      if (names.has(p.name) || !producersOf(p).includes(producer.name)) continue;
      const refs = [...Object.values(p.inputsFrom ?? {}), ...Object.values(p.valuesFrom ?? {})].filter((r) => r.project === producer.name);
      names.add(p.name);
      out.push({
        ...p,
        why: [
          ...(p.why ?? []),
          `takes ${refs.map((r) => `\`${refText(r)}\``).join(", ")}, an output of \`${producer.name}\`, which this change plans`,
        ],
      });
    }
  }
  return out;
}

/** The projects whose outputs `projects` take, which are not among them: their state is read. */
export function producersOutside(all: readonly Project[], projects: readonly Project[]): Project[] {
  const names = new Set(projects.map((p) => p.name));
  const wanted = new Set(projects.flatMap(producersOf).filter((n) => !names.has(n)));
  return all.filter((p) => wanted.has(p.name));
}
