import { findDependsOnCycle, orderProjects, waitsFor } from "../config/repo/check-project-graph.js";
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
 * autodiscovered projects have neither and run in the first wave, unless their tool says what
 * they depend on (Terragrunt units' `dependency` blocks): then they follow it, cycles refused.
 * `dependsOn` gives every project a project depends on, transitively, so a failure can stop all
 * of its dependents.
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
  // A tool's dependency on a dir the repo config claims under another name orders nothing.
  const names = new Set([...all, ...projects].map((p) => p.name));
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
        dependsOn: (p.dependsOn ?? []).filter((d) => names.has(d)),
        executionOrderGroup: 0,
      };
      nodes.set(p.name, n);
    }
    return n;
  };
  const found = toolCycle(all);
  if (found) return { ok: false, error: found };
  const order = orderProjects(projects.map(node), { allProjects: all.map(node) });
  if (!order.ok) return order;
  const selected = new Map(projects.map((p) => [p.name, p]));
  const waves = order.waves.map((wave) => wave.map((n) => selected.get(n.name) as Project));
  const dependsOn = (p: Project): string[] => {
    const out = new Set<string>();
    // Configured projects wait for what the config says; autodiscovered ones for what their tool found.
    const waits = (name: string) => {
      const c = nodes.get(name) ?? byName.get(name);
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

/**
 * Projects rebuilt from saved plans know nothing of what their tool found: each takes the
 * `dependsOn` of the same project in `found` (the head's resolved projects), so applies keep the
 * plans' order. Changes the projects in place (callers key maps by these objects).
 */
export function carryDependsOn(projects: Project[], found: readonly Project[]): void {
  const byName = new Map(found.filter((p) => p.dependsOn?.length).map((p) => [p.name, p]));
  for (const p of projects) {
    const same = byName.get(p.name);
    if (!p.dependsOn && same && same.dir === p.dir && same.runner === p.runner) p.dependsOn = same.dependsOn;
  }
}

/** A cycle of dependencies a tool found (Terragrunt's `dependency` blocks), named unit by unit. */
function toolCycle(all: Project[]): string | undefined {
  const found = all.filter((p) => p.dependsOn?.length);
  if (found.length === 0) return undefined;
  const cycle = findDependsOnCycle(found.map((p) => ({ name: p.name, dependsOn: p.dependsOn ?? [] })));
  if (!cycle) return undefined;
  return `Terragrunt dependency cycle: ${cycle.map((n) => `\`${n}\``).join(" → ")} (each unit's \`dependency\` blocks): Terragrunt cannot order these units, so none is planned`;
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
