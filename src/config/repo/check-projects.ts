import type { ProjectConfig } from "../../model/repo-config.js";
import { findDependsOnCycle } from "./check-project-graph.js";
import type { KeyPath } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";

/** A normalized project and where it was written (`["projects", 3]`). */
export interface PlacedProject {
  project: ProjectConfig;
  path: KeyPath;
  /** True when the name was given; defaulted names are reported on the project, not on `name`. */
  named: boolean;
}

/**
 * Checks across projects, after each one is valid on its own: one project per dir + workspace
 * (they would share a lock and a state), unique names, `depends_on` naming known projects, no
 * cycle, and no dependency on a project that a later `execution_order_group` runs.
 */
export function checkProjects(placed: readonly PlacedProject[], ctx: NormalizeContext): void {
  const byKey = new Map<string, PlacedProject>();
  const byName = new Map<string, PlacedProject>();
  for (const entry of placed) {
    const { project, path } = entry;
    const key = `${project.dir}\u0000${project.workspace}`;
    const sameKey = byKey.get(key);
    if (sameKey !== undefined) {
      ctx.error(
        path,
        `dir ${project.dir} and workspace ${project.workspace} are already used by ${describe(sameKey, ctx)}; each project needs its own dir or workspace`,
      );
      continue;
    }
    byKey.set(key, entry);
    const sameName = byName.get(project.name);
    if (sameName !== undefined) {
      const where = entry.named ? [...path, "name"] : path;
      ctx.error(where, `duplicate project name ${project.name} (also ${describe(sameName, ctx)})`);
      continue;
    }
    byName.set(project.name, entry);
  }

  let unknown = false;
  for (const { project, path } of placed) {
    project.dependsOn.forEach((dep, i) => {
      if (dep === project.name) {
        ctx.error([...path, "depends_on", i], "a project cannot depend on itself");
        unknown = true;
      } else if (!byName.has(dep)) {
        ctx.error([...path, "depends_on", i], `no project named ${dep}`);
        unknown = true;
      }
    });
  }
  if (unknown) return;

  const cycle = findDependsOnCycle(placed.map((p) => p.project));
  if (cycle !== undefined) {
    const first = byName.get(cycle[0] ?? "");
    ctx.error(first === undefined ? [] : [...first.path, "depends_on"], `depends_on cycle: ${cycle.join(" -> ")}`);
    return;
  }

  for (const { project, path } of placed) {
    project.dependsOn.forEach((dep, i) => {
      const target = byName.get(dep)?.project;
      if (target === undefined || target.executionOrderGroup <= project.executionOrderGroup) return;
      ctx.error(
        [...path, "depends_on", i],
        `${dep} is in execution_order_group ${target.executionOrderGroup}, which runs after this project's group ${project.executionOrderGroup}`,
      );
    });
  }
}

function describe(entry: PlacedProject, ctx: NormalizeContext): string {
  const index = entry.path[entry.path.length - 1];
  return `projects[${String(index)}] on line ${ctx.locator.line(entry.path)}`;
}
