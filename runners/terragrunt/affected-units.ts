import type { Project } from "../../src/model/project.js";
import type { ProjectTree } from "../../src/model/project-tree.js";
import { cleanRepoPath, compareStrings, isIgnoredPath, parentDir } from "../../src/util/repo-path.js";
import { affectedProjects } from "../terraform/affected-projects.js";
import { discoverTerraformProjects } from "../terraform/discover-terraform-projects.js";
import type { TerragruntUnits, UnitFacts } from "./discover-terragrunt-units.js";

const MAX_REASONS = 4;

/**
 * The units a change touches, with why: a file of the unit's dir (not of a unit below it); a
 * file its configuration includes or reads, through any chain of includes and reads; a file of a
 * local `terraform.source` or of a module that source uses, as Terraform's own projects count
 * them (reads by `file`, `templatefile`, `fileset` included); or a unit it depends on that the
 * change touches, transitively.
 */
export function affectedUnits(tree: ProjectTree, changedFiles: readonly string[], found: TerragruntUnits): Project[] {
  const files = changedFiles.map(cleanRepoPath).filter((f): f is string => f !== undefined && f !== "." && !isIgnoredPath(f));
  if (files.length === 0 || found.projects.length === 0) return [];
  const reasons = new Map<string, string[]>();
  const add = (dir: string, reason: string) => {
    const list = reasons.get(dir) ?? [];
    if (!list.includes(reason)) list.push(reason);
    reasons.set(dir, list);
  };

  for (const file of files) {
    const owner = nearestUnit(file, found.units);
    if (owner !== undefined) add(owner, `\`${file}\``);
  }
  for (const unit of found.units.values()) {
    // Past discovery's bounds what the unit reads is not known: any change may be one of them.
    if (unit.everyChange !== undefined) add(unit.dir, unit.everyChange);
    for (const file of files) {
      const why = unit.reads.get(file);
      if (why !== undefined) add(unit.dir, why);
    }
  }
  for (const [source, why] of sourceReasons(tree, files, found.units)) {
    for (const unit of found.units.values()) {
      if (!unit.sources.includes(source)) continue;
      for (const w of why) add(unit.dir, `${w}, in the Terraform source \`${source}\` of \`${unit.dir}\``);
    }
  }
  // A dependency's plan may change the outputs this unit reads: follow the graph to a fixpoint.
  for (let grew = true; grew; ) {
    grew = false;
    for (const unit of found.units.values()) {
      for (const dep of unit.dependencies) {
        const line = `dependency of \`${dep.dir}\`${dep.name && dep.name !== lastSegment(dep.dir) ? ` (\`${dep.name}\`)` : ""}, which this change plans`;
        if (!reasons.has(dep.dir) || !found.units.has(dep.dir) || reasons.get(unit.dir)?.includes(line)) continue;
        add(unit.dir, line);
        grew = true;
      }
    }
  }
  return found.projects
    .filter((p) => reasons.has(p.dir))
    .map((p) => ({ ...p, why: capped(reasons.get(p.dir) ?? []) }))
    .sort((a, b) => compareStrings(a.dir, b.dir));
}

/** The unit whose dir holds `file`, nearest first (a unit inside another unit's dir owns its own files). */
function nearestUnit(file: string, units: ReadonlyMap<string, UnitFacts>): string | undefined {
  for (let dir = parentDir(file); ; dir = parentDir(dir)) {
    if (units.has(dir)) return dir;
    if (dir === ".") return undefined;
  }
}

/** Per local source dir: why Terraform would plan it as a root module (its files, its modules' files and reads). */
function sourceReasons(tree: ProjectTree, files: string[], units: ReadonlyMap<string, UnitFacts>): Map<string, string[]> {
  const sources = [...new Set([...units.values()].flatMap((u) => u.sources))].sort(compareStrings);
  if (sources.length === 0) return new Map();
  const { modules } = discoverTerraformProjects(tree);
  const roots: Project[] = sources.map((dir) => ({ name: dir, dir, workspace: "default", runner: "terraform" }));
  return new Map(affectedProjects(tree, files, { projects: roots, modules }).map((p) => [p.dir, p.why ?? []]));
}

function lastSegment(dir: string): string {
  return dir.slice(dir.lastIndexOf("/") + 1);
}

function capped(reasons: string[]): string[] {
  if (reasons.length <= MAX_REASONS) return reasons;
  const more = reasons.length - MAX_REASONS;
  return [...reasons.slice(0, MAX_REASONS), `${more} more ${more === 1 ? "reason" : "reasons"}`];
}
