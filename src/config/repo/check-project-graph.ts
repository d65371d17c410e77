import { producersOf } from "../../model/project-inputs.js";
import type { ProjectConfig } from "../../model/repo-config.js";

export type OrderResult = { ok: true; waves: ProjectConfig[][] } | { ok: false; error: string };

type GraphNode = Pick<ProjectConfig, "name" | "dependsOn">;

/**
 * What a project waits for: its `depends_on`, and the projects whose outputs it takes
 * (`inputs_from`, `values_from`), which must plan and apply before it.
 */
export function waitsFor(p: Pick<ProjectConfig, "dependsOn" | "inputsFrom" | "valuesFrom">): string[] {
  return [...new Set([...p.dependsOn, ...producersOf(p)])];
}

/** The graph of `waitsFor`, as nodes findDependsOnCycle reads. */
export function waitGraph(projects: readonly ProjectConfig[]): GraphNode[] {
  return projects.map((p) => ({ name: p.name, dependsOn: waitsFor(p) }));
}

export interface OrderOptions {
  /**
   * Every project of the repo, when `projects` is a subset (the ones a command runs). Names are
   * checked against it, and a dependency outside the subset still orders what it links: with
   * a -> b -> c and only a and c selected, c runs after a.
   */
  allProjects?: readonly ProjectConfig[];
}

/**
 * Execution waves: every project runs after its `depends_on` projects and after every project of
 * a lower `execution_order_group`; projects of one wave may run in parallel. Within a wave, input
 * order is kept. A cycle, an unknown name, or a dependency on a later group is an error.
 */
export function orderProjects(projects: ProjectConfig[], opts: OrderOptions = {}): OrderResult {
  const all = opts.allProjects ?? projects;
  const byName = new Map<string, ProjectConfig>();
  for (const p of [...all, ...projects]) {
    const seen = byName.get(p.name);
    if (seen !== undefined && seen !== p) return { ok: false, error: `duplicate project name ${p.name}` };
    byName.set(p.name, p);
  }
  for (const p of byName.values()) {
    for (const dep of p.dependsOn) {
      if (!byName.has(dep)) return { ok: false, error: `project ${p.name} depends on unknown project ${dep}` };
    }
    for (const producer of producersOf(p)) {
      if (!byName.has(producer)) return { ok: false, error: `project ${p.name} takes inputs from unknown project ${producer}` };
    }
  }
  const cycle = findDependsOnCycle([...byName.values()]);
  if (cycle !== undefined) return { ok: false, error: `depends_on cycle: ${cycle.join(" -> ")}` };
  const inputCycle = findDependsOnCycle(waitGraph([...byName.values()]));
  if (inputCycle !== undefined) return { ok: false, error: `inputs_from cycle: ${inputCycle.join(" -> ")}` };

  const selected = new Set(projects);
  const deps = new Map<ProjectConfig, ProjectConfig[]>();
  for (const p of projects) {
    const effective = selectedDependencies(p, byName, selected);
    for (const d of effective) {
      if (d.executionOrderGroup > p.executionOrderGroup) {
        return {
          ok: false,
          error: `project ${p.name} (execution_order_group ${p.executionOrderGroup}) depends on ${d.name}, which is in the later execution_order_group ${d.executionOrderGroup}`,
        };
      }
    }
    deps.set(p, effective);
  }

  const waves: ProjectConfig[][] = [];
  const groups = [...new Set(projects.map((p) => p.executionOrderGroup))].sort((a, b) => a - b);
  for (const group of groups) {
    // Kahn's algorithm one layer at a time: a project's wave is its longest dependency chain.
    let pending = projects.filter((p) => p.executionOrderGroup === group);
    const done = new Set<ProjectConfig>(projects.filter((p) => p.executionOrderGroup < group));
    while (pending.length > 0) {
      const wave = pending.filter((p) => (deps.get(p) ?? []).every((d) => done.has(d)));
      // Unreachable after the cycle check; kept so a bug cannot loop forever.
      if (wave.length === 0) return { ok: false, error: "depends_on cycle" };
      for (const p of wave) done.add(p);
      pending = pending.filter((p) => !done.has(p));
      waves.push(wave);
    }
  }
  return { ok: true, waves };
}

/** Selected projects `p` depends on, directly or through projects that are not selected. */
function selectedDependencies(
  p: ProjectConfig,
  byName: ReadonlyMap<string, ProjectConfig>,
  selected: ReadonlySet<ProjectConfig>,
): ProjectConfig[] {
  const found = new Set<ProjectConfig>();
  const visited = new Set<string>([p.name]);
  const stack = waitsFor(p);
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    if (visited.has(name)) continue;
    visited.add(name);
    const dep = byName.get(name);
    if (dep === undefined) continue;
    if (selected.has(dep)) found.add(dep);
    else stack.push(...waitsFor(dep));
  }
  return [...found];
}

/**
 * The first `depends_on` cycle, as names with the first repeated at the end (`a, b, a`), or
 * undefined. Unknown names are skipped. Iterative, so a long chain cannot overflow the stack.
 */
export function findDependsOnCycle(projects: readonly GraphNode[]): string[] | undefined {
  const byName = new Map(projects.map((p) => [p.name, p]));
  const state = new Map<string, "open" | "done">();
  for (const root of projects) {
    if (state.has(root.name)) continue;
    const stack: { name: string; next: number }[] = [{ name: root.name, next: 0 }];
    state.set(root.name, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; next: number };
      const deps = byName.get(top.name)?.dependsOn ?? [];
      const dep = deps[top.next++];
      if (dep === undefined) {
        state.set(top.name, "done");
        stack.pop();
        continue;
      }
      if (!byName.has(dep)) continue;
      const s = state.get(dep);
      if (s === "open") {
        const from = stack.findIndex((f) => f.name === dep);
        return [...stack.slice(from).map((f) => f.name), dep];
      }
      if (s === undefined) {
        state.set(dep, "open");
        stack.push({ name: dep, next: 0 });
      }
    }
  }
  return undefined;
}
