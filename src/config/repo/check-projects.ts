import type { ProjectConfig, Workflow } from "../../model/repo-config.js";
import { findDependsOnCycle, waitGraph } from "./check-project-graph.js";
import { formatPath, type KeyPath } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";

/** A normalized project and where it was written (`["projects", 3]`). */
export interface PlacedProject {
  project: ProjectConfig;
  path: KeyPath;
  /** True when the name was given; defaulted names are reported on the project, not on `name`. */
  named: boolean;
}

/**
 * Checks across projects, after each one is valid on its own: several projects on one dir +
 * workspace only when each is named (Atlantis' pattern: one backend and var file per project;
 * their locks and plans are told apart by name), with a warning when two of them would share a
 * backend; unique names, `depends_on` naming known projects, no cycle, and no dependency on a
 * project that a later `execution_order_group` runs.
 *
 * `atlantis`: as Atlantis loads atlantis.yaml, the `depends_on` checks are warnings (Atlantis
 * checks none of them: a dependency is only looked at when the dependent is applied), and
 * projects with a `branch` are checked for clashes only once the base branch has chosen among
 * them (`projectsForBaseBranch`).
 */
export function checkProjects(
  placed: readonly PlacedProject[],
  ctx: NormalizeContext,
  workflows: Readonly<Record<string, Workflow>> = {},
  opts: { atlantis?: boolean } = {},
): void {
  const byKey = new Map<string, PlacedProject[]>();
  const byName = new Map<string, PlacedProject>();
  for (const entry of placed) {
    if (opts.atlantis && entry.project.branch !== undefined) continue;
    const { project, path } = entry;
    const key = `${project.dir}\u0000${project.workspace}`;
    const sameKey = byKey.get(key) ?? [];
    const unnamed = sameKey.find((other) => !other.named) ?? (entry.named ? undefined : sameKey[0]);
    if (unnamed !== undefined) {
      ctx.error(
        path,
        `dir ${project.dir} and workspace ${project.workspace} are already used by ${describe(unnamed, ctx)}; projects that share a dir and workspace must each have a \`name\``,
      );
      continue;
    }
    if (!byName.has(project.name)) {
      const shared = sameKey.find((other) => sharesBackend(other.project, project, workflows));
      if (shared !== undefined) {
        ctx.warn(
          `projects ${shared.project.name} and ${project.name} (dir ${project.dir}, workspace ${project.workspace}) run \`init\` with the same arguments, so they share one backend and one state: give each workflow's \`init\` its own \`-backend-config\`, or they will overwrite each other's resources`,
          path,
        );
      }
    }
    byKey.set(key, [...sameKey, entry]);
    const sameName = byName.get(project.name);
    if (sameName !== undefined) {
      const where = entry.named ? [...path, "name"] : path;
      ctx.error(where, `duplicate project name ${project.name} (also ${describe(sameName, ctx)})`);
      continue;
    }
    byName.set(project.name, entry);
  }

  for (const entry of placed) if (!byName.has(entry.project.name)) byName.set(entry.project.name, entry);
  const problem = (path: KeyPath, message: string) =>
    opts.atlantis ? ctx.warn(`\`${formatPath(path)}\`: ${message}`, path) : ctx.error(path, message);

  let unknown = false;
  for (const { project, path } of placed) {
    project.dependsOn.forEach((dep, i) => {
      if (dep === project.name) {
        problem([...path, "depends_on", i], `a project cannot depend on itself${opts.atlantis ? "; its apply can never run" : ""}`);
        unknown = true;
      } else if (!byName.has(dep)) {
        problem([...path, "depends_on", i], `no project named ${dep}${opts.atlantis ? " in this file; ignored, as Atlantis does" : ""}`);
        unknown = true;
      }
    });
  }
  if (unknown && !opts.atlantis) return;
  // Outputs between projects are Sluice's own: errors in either file, since a plan cannot run without them.
  if (!checkInputs(placed, byName, ctx)) return;

  const cycle = findDependsOnCycle(placed.map((p) => p.project));
  if (cycle !== undefined) {
    const first = byName.get(cycle[0] ?? "");
    problem(
      first === undefined ? [] : [...first.path, "depends_on"],
      `depends_on cycle: ${cycle.join(" -> ")}${opts.atlantis ? "; none of these projects can be applied" : ""}`,
    );
    if (!opts.atlantis) return;
  }

  for (const { project, path } of placed) {
    project.dependsOn.forEach((dep, i) => {
      const target = byName.get(dep)?.project;
      if (target === undefined || target.executionOrderGroup <= project.executionOrderGroup) return;
      const message = `${dep} is in execution_order_group ${target.executionOrderGroup}, which runs after this project's group ${project.executionOrderGroup}`;
      problem([...path, "depends_on", i], opts.atlantis ? `${message}: apply ${dep} first (a later \`/apply\`), as in Atlantis` : message);
    });
  }
}

/**
 * `inputs_from` / `values_from`: each names another project of the file, and no project waits for
 * itself through them (with `depends_on`, which orders the same way). False when an error was reported.
 */
function checkInputs(placed: readonly PlacedProject[], byName: ReadonlyMap<string, PlacedProject>, ctx: NormalizeContext): boolean {
  let ok = true;
  for (const { project, path } of placed) {
    for (const key of ["inputsFrom", "valuesFrom"] as const) {
      for (const [name, ref] of Object.entries(project[key] ?? {})) {
        const at = [...path, key === "inputsFrom" ? "inputs_from" : "values_from", name];
        if (ref.project === project.name) {
          ctx.error(at, `a project cannot take inputs from its own outputs (${ref.project}.${ref.output})`);
          ok = false;
        } else if (!byName.has(ref.project)) {
          ctx.error(at, `no project named ${ref.project} in this file (for output ${ref.output})`);
          ok = false;
        }
      }
    }
  }
  if (!ok) return false;
  const cycle = findDependsOnCycle(waitGraph(placed.map((p) => p.project)));
  if (cycle === undefined || findDependsOnCycle(placed.map((p) => p.project)) !== undefined) return true;
  const first = byName.get(cycle[0] ?? "");
  ctx.error(
    first === undefined ? [] : first.path,
    `inputs_from cycle: ${cycle.join(" -> ")} (each of these projects would wait for another's outputs, through inputs_from, values_from or depends_on)`,
  );
  return false;
}

/**
 * Whether two terraform projects on one dir + workspace would init the same backend: their
 * workflows' `init` steps pass the same extra arguments (no custom workflow = the default init).
 * A workflow the repo does not define (a server workflow) is known only by its name.
 */
function sharesBackend(a: ProjectConfig, b: ProjectConfig, workflows: Readonly<Record<string, Workflow>>): boolean {
  const iac = (p: ProjectConfig) => p.runner === "terraform" || p.runner === "opentofu";
  if (!iac(a) || !iac(b)) return false;
  return backendKey(a, workflows) === backendKey(b, workflows);
}

function backendKey(p: ProjectConfig, workflows: Readonly<Record<string, Workflow>>): string {
  if (p.workflow === undefined) return "default";
  // Own keys only: `toString` is no workflow of the file.
  const workflow = Object.hasOwn(workflows, p.workflow) ? workflows[p.workflow] : undefined;
  if (workflow === undefined) return `server workflow ${p.workflow}`;
  const init = workflow.plan.find((step) => step.kind === "init");
  return JSON.stringify(init?.kind === "init" ? init.extraArgs : []);
}

function describe(entry: PlacedProject, ctx: NormalizeContext): string {
  const index = entry.path[entry.path.length - 1];
  return `projects[${String(index)}] on line ${ctx.locator.line(entry.path)}`;
}
