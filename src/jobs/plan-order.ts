import { orderProjects, waitsFor } from "../config/repo/check-project-graph.js";
import type { Project } from "../model/project.js";
import type { ProjectConfig, RepoConfig } from "../model/repo-config.js";

export type PlanOrder =
  | {
      ok: true;
      waves: Project[][];
      dependsOn: (p: Project) => string[];
      /** A failed project stops every later wave (Atlantis' `abort_on_execution_order_fail`, plans). */
      abortOnFailure?: string;
    }
  | { ok: false; error: string };

/**
 * Waves to run `projects` in: `depends_on` and `execution_order_group` from the repo config;
 * autodiscovered projects have neither and run in the first wave. `dependsOn` gives every
 * project a project depends on, transitively, so a failure can stop all of its dependents.
 *
 * `plan: true` gives Atlantis' meaning for plans: `depends_on` gates only the apply, so plans run
 * in `execution_order_group` order alone and a failed plan stops nothing, unless the config sets
 * `abort_on_execution_order_fail` (then a failed group stops the later ones).
 */
export function planOrder(config: RepoConfig, all: Project[], projects: Project[], opts: { plan?: boolean } = {}): PlanOrder {
  if (opts.plan) {
    if (!config.projects.some((p) => p.inputsFrom || p.valuesFrom)) return planWaves(config, projects);
    // Atlantis' meaning for depends_on, but a project that takes another's outputs plans after it.
    const inputsOnly = { ...config, projects: config.projects.map((p) => ({ ...p, dependsOn: [] })) };
    const order = planOrder(inputsOnly, all, projects);
    return order.ok && config.abortOnExecutionOrderFail ? { ...order, abortOnFailure: "abort_on_execution_order_fail" } : order;
  }
  const byName = new Map(config.projects.map((p) => [p.name, p]));
  const nodes = new Map<string, ProjectConfig>();
  const node = (p: Project): ProjectConfig => {
    let n = nodes.get(p.name);
    if (!n) {
      n = byName.get(p.name) ?? {
        name: p.name,
        dir: p.dir,
        workspace: p.workspace,
        runner: p.runner,
        autoplan: { enabled: true, whenModified: [] },
        dependsOn: [],
        executionOrderGroup: 0,
      };
      nodes.set(p.name, n);
    }
    return n;
  };
  const order = orderProjects(projects.map(node), { allProjects: all.map(node) });
  if (!order.ok) return order;
  const selected = new Map(projects.map((p) => [p.name, p]));
  const waves = order.waves.map((wave) => wave.map((n) => selected.get(n.name) as Project));
  const dependsOn = (p: Project): string[] => {
    const out = new Set<string>();
    const waits = (name: string) => {
      const c = byName.get(name);
      return c ? waitsFor(c) : [];
    };
    const stack = waits(p.name);
    for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
      if (out.has(name)) continue;
      out.add(name);
      stack.push(...waits(name));
    }
    return [...out];
  };
  return { ok: true, waves, dependsOn };
}

function planWaves(config: RepoConfig, projects: Project[]): PlanOrder {
  const groupOf = new Map(config.projects.map((p) => [p.name, p.executionOrderGroup]));
  const groups = new Map<number, Project[]>();
  for (const p of projects) {
    const group = groupOf.get(p.name) ?? 0;
    groups.set(group, [...(groups.get(group) ?? []), p]);
  }
  const waves = [...groups.entries()].sort(([a], [b]) => a - b).map(([, wave]) => wave);
  const abort = config.abortOnExecutionOrderFail ? "abort_on_execution_order_fail" : undefined;
  return { ok: true, waves, dependsOn: () => [], ...(abort ? { abortOnFailure: abort } : {}) };
}
