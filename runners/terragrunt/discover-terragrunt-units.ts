import type { Project } from "../../src/model/project.js";
import type { ProjectTree, TgRef } from "../../src/model/project-tree.js";
import { compareStrings, isIgnoredPath, parentDir, resolveFrom } from "../../src/util/repo-path.js";
import { resolveTgPath } from "./resolve-tg-path.js";

export const UNIT_FILE = "terragrunt.hcl";

/** What one unit's configuration reads, uses and depends on, as repo paths. */
export interface UnitFacts {
  dir: string;
  /** Repo file -> why it counts (a why-line naming the chain of includes and reads). */
  reads: Map<string, string>;
  /** Files its own `terragrunt.hcl` includes. */
  includes: string[];
  /** Local `terraform.source` dirs. */
  sources: string[];
  /** Units this one depends on (`dependency` blocks, `dependencies.paths`), by dir. */
  dependencies: { dir: string; name?: string }[];
  /** What discovery could not follow, for the plan comment. */
  problems: string[];
  /**
   * Set when its configuration names more files than discovery follows (the why-line): the unit
   * is planned on every change, since what it reads past the bound is not known.
   */
  everyChange?: string;
}

export interface TerragruntUnits {
  /** One project per unit, named after its dir, sorted by dir; `dependsOn` names its dependency units. */
  projects: Project[];
  units: Map<string, UnitFacts>;
  /** Dirs Terraform autodiscovery leaves alone: the units and their local sources. */
  claimed: Set<string>;
}

const isUnitFile = (f: string) =>
  (f === UNIT_FILE || f.endsWith(`/${UNIT_FILE}`)) && !isIgnoredPath(f) && !f.includes(".terragrunt-cache/");

const VERB: Record<string, string> = { include: "includes", read: "reads" };

/**
 * Bounds on what discovery keeps: the files one unit's configuration reaches, and the
 * (unit, file) pairs of a whole tree. A PR's own files are parsed on the server, outside any
 * sandbox: a shared file naming 20,000 others, included by 600 units, would otherwise make 12
 * million why-lines (3.5 GB). Real configurations reach tens of files per unit.
 */
export const DISCOVERY_BOUNDS = { filesPerUnit: 1_000, pairs: 200_000 } as const;

/** A why-line's chain of includes and reads, kept readable when a chain is long: its start and its end. */
const MAX_WHY = 600;
const OVER_TREE_BOUND = `the repository's Terragrunt files name more than ${DISCOVERY_BOUNDS.pairs} files in all, more than Sluice follows`;
const shortened = (line: string) =>
  line.length <= MAX_WHY ? line : `${line.slice(0, MAX_WHY / 3)} … ${line.slice(line.length - (2 * MAX_WHY) / 3)}`;

/**
 * Autodiscovery of Terragrunt units: every dir with a `terragrunt.hcl` that no other unit
 * includes (a root `terragrunt.hcl` shared through `include` is configuration, not a unit). Pure
 * over the tree's parsed `.hcl` files: includes and reads are followed file to file (inside the
 * repository only), so a unit knows every file its configuration reads and why.
 */
export function discoverTerragruntUnits(tree: Pick<ProjectTree, "files" | "terragrunt">): TerragruntUnits {
  // A tree is read once and never changed: both detectors (Terraform leaves units alone) share one discovery.
  let found = discovered.get(tree);
  if (!found) {
    found = discover(tree);
    discovered.set(tree, found);
  }
  return found;
}

const discovered = new WeakMap<object, TerragruntUnits>();

function discover(tree: Pick<ProjectTree, "files" | "terragrunt">): TerragruntUnits {
  const candidates = tree.files.filter(isUnitFile);
  if (candidates.length === 0) return { projects: [], units: new Map(), claimed: new Set() };
  const fileSet = new Set(tree.files);
  const exists = (p: string) => fileSet.has(p);
  const facts = new Map<string, UnitFacts>();
  const included = new Set<string>();
  const budget = { pairs: DISCOVERY_BOUNDS.pairs };
  for (const file of candidates) {
    const unit = followUnit(parentDir(file), tree.terragrunt ?? new Map(), exists, budget);
    facts.set(unit.dir, unit);
    for (const path of unit.includes) included.add(path);
  }
  const units = new Map([...facts].filter(([dir]) => !included.has(dir === "." ? UNIT_FILE : `${dir}/${UNIT_FILE}`)));
  const claimed = new Set<string>();
  const projects: Project[] = [];
  for (const unit of [...units.values()].sort((a, b) => compareStrings(a.dir, b.dir))) {
    claimed.add(unit.dir);
    for (const s of unit.sources) claimed.add(s);
    const dependsOn = [...new Set(unit.dependencies.map((d) => d.dir).filter((d) => units.has(d) && d !== unit.dir))];
    projects.push({
      name: unit.dir,
      dir: unit.dir,
      workspace: "default",
      runner: "terragrunt",
      ...(dependsOn.length ? { dependsOn } : {}),
    });
  }
  return { projects, units, claimed };
}

/** Follows one unit's `terragrunt.hcl` through what it includes and reads. */
export function followUnit(
  dir: string,
  parsed: ReadonlyMap<string, { refs: TgRef[]; error?: string }>,
  exists: (p: string) => boolean,
  /** What the tree's discovery may still keep (DISCOVERY_BOUNDS.pairs), shared by its units. */
  budget: { pairs: number } = { pairs: DISCOVERY_BOUNDS.pairs },
): UnitFacts {
  const unit: UnitFacts = { dir, reads: new Map(), includes: [], sources: [], dependencies: [], problems: [] };
  const bounded = (why: string) => {
    unit.everyChange = why;
    unit.problems.push(`${why}: it is planned on every change`);
    return unit;
  };
  if (budget.pairs <= 0) return bounded(OVER_TREE_BOUND);
  const start = dir === "." ? UNIT_FILE : `${dir}/${UNIT_FILE}`;
  // Each file with the why-line that reached it; an included file is evaluated as the unit's own
  // (its relative paths are the unit's), a read one on its own.
  const queue: { file: string; line: string; asUnit: boolean }[] = [{ file: start, line: `\`${UNIT_FILE}\` of \`${dir}\``, asUnit: true }];
  const seen = new Set([start]);
  for (let item = queue.shift(); item; item = queue.shift()) {
    const file = parsed.get(item.file);
    if (!file) continue;
    if (file.error) unit.problems.push(`\`${item.file}\`: ${file.error}`);
    const own = parentDir(item.file);
    const prefix = item.file === start ? item.line : `${item.line}, which`;
    for (const ref of file.refs) {
      // Terragrunt evaluates an included file as the unit's own: its relative paths are the
      // unit's. Written for its own dir is the common mistake, so a file there counts too.
      const baseDir =
        item.asUnit && own !== dir && ref.path.kind === "relative" && exists(resolveFromDir(own, ref.path.path))
          ? own
          : item.asUnit
            ? dir
            : own;
      const includedDir = item.file === start ? undefined : own;
      const where = resolveTgPath(ref.path, { baseDir, unitDir: dir, exists, ...(includedDir ? { includedDir } : {}) });
      if ("outside" in where) {
        unit.problems.push(`\`${item.file}\` names \`${where.outside}\`, outside the repository: not read`);
        continue;
      }
      if (!("path" in where)) continue;
      const path = where.path;
      if (ref.kind === "source") {
        if (!unit.sources.includes(path)) unit.sources.push(path);
      } else if (ref.kind === "dependency") {
        if (!unit.dependencies.some((d) => d.dir === path)) unit.dependencies.push({ dir: path, ...(ref.name ? { name: ref.name } : {}) });
      } else {
        if (ref.kind === "include" && item.file === start) unit.includes.push(path);
        if (unit.reads.has(path)) continue;
        const fn = ref.kind === "read" && ref.name ? ` (\`${ref.name}\`)` : "";
        const line = shortened(`${prefix} ${VERB[ref.kind]} \`${path}\`${fn}`);
        unit.reads.set(path, line);
        budget.pairs--;
        if (unit.reads.size >= DISCOVERY_BOUNDS.filesPerUnit) {
          return bounded(`its configuration names more than ${DISCOVERY_BOUNDS.filesPerUnit} files, more than Sluice follows`);
        }
        if (budget.pairs <= 0) return bounded(OVER_TREE_BOUND);
        if (path.endsWith(".hcl") && !seen.has(path)) {
          seen.add(path);
          queue.push({ file: path, line, asUnit: ref.kind === "include" && item.asUnit });
        }
      }
    }
  }
  return unit;
}

function resolveFromDir(dir: string, path: string): string {
  return resolveFrom(dir, path) ?? "";
}
