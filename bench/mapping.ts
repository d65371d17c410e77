import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readRepoTree } from "../src/jobs/read-repo-tree.js";
import { affectedProjects } from "../runners/terraform/affected-projects.js";
import { discoverTerraformProjects, type RepoTree } from "../runners/terraform/discover-terraform-projects.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { median, ms } from "./support/stats.js";
import { largeChange, largeRepo } from "./support/tf-repo-files.js";
import { writeRepoDir } from "./support/write-repo-dir.js";

const run = promisify(execFile);
const TARGET = { max: 200, strict: true, label: "< 200 ms" };

async function timeIt(reps: number, fn: () => unknown): Promise<{ median: number; last: unknown }> {
  await fn(); // warm-up: JIT, page cache
  const times: number[] = [];
  let last: unknown;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    last = await fn();
    times.push(performance.now() - t);
  }
  return { median: median(times), last };
}

/** A mapping without an index: every changed file against every project dir (prefix test). */
function naiveAffected(projectDirs: readonly string[], changed: readonly string[]): string[] {
  const hit = new Set<string>();
  for (const file of changed) {
    let best: string | undefined;
    for (const dir of projectDirs) {
      if (file.startsWith(`${dir}/`) && (best === undefined || dir.length > best.length)) best = dir;
    }
    if (best !== undefined) hit.add(best);
  }
  return [...hit];
}

/**
 * Figure 2: changed files → projects in a 1,000-project, 20,000-file repo. Pure mapping
 * (discoverTerraformProjects + affectedProjects) and, separately, readRepoTree's share (reading and
 * lexing every .tf file of a checkout on disk); baselines: listing the files with git, and a naive
 * prefix-scan mapping.
 */
export async function mapping(opts: BenchOptions): Promise<Figure[]> {
  const reps = opts.quick ? 5 : 11;
  const files = largeRepo();
  const paths = Object.keys(files).sort();
  console.error(`mapping: writing the ${paths.length}-file repo to disk`);
  const repo = await writeRepoDir(files);
  try {
    const tree = (await readRepoTree(repo.dir, paths)) as RepoTree;
    const projectCount = discoverTerraformProjects(tree).projects.length;
    if (projectCount !== 1000) throw new Error(`expected 1000 projects, discovered ${projectCount}`);

    const fifty = largeChange(50, "v2");
    // 50 projects' main.tf and README, one shared module (used by 20 projects), docs of 20 more.
    const changed50 = [
      ...fifty.dirs.flatMap((d) => [`${d}/main.tf`, `${d}/README.md`]),
      "modules/m-07/main.tf",
      ...paths.filter((p) => p.endsWith("/docs/runbook.md")).slice(0, 20),
    ];
    // GitHub lists at most 3,000 files of a PR: the biggest change the app can see.
    const changed3000 = paths.filter((_, i) => i % 7 === 0).slice(0, 3000);

    const ls = await timeIt(reps, () => run("git", ["ls-tree", "-r", "-z", "--name-only", "HEAD"], { cwd: repo.dir, maxBuffer: 64 << 20 }));
    const projectDirs = discoverTerraformProjects(tree).projects.map((p) => p.dir);
    const naive50 = await timeIt(reps, () => naiveAffected(projectDirs, changed50));
    const naive3000 = await timeIt(reps, () => naiveAffected(projectDirs, changed3000));
    const map50 = await timeIt(reps, () => affectedProjects(tree, changed50, discoverTerraformProjects(tree)));
    const map3000 = await timeIt(reps, () => affectedProjects(tree, changed3000, discoverTerraformProjects(tree)));
    const read = await timeIt(opts.quick ? 3 : 7, () => readRepoTree(repo.dir, paths));
    const affected50 = (map50.last as unknown[]).length;
    const affected3000 = (map3000.last as unknown[]).length;
    console.error(`mapping: 50-project change → ${affected50} projects; 3,000-file change → ${affected3000} projects`);

    const base = `git ls-tree ${ms(ls.median)}`;
    return [
      figure(
        `mapping.affected 50-project PR`,
        map50.median,
        "ms",
        TARGET,
        `${base}; naive prefix scan ${ms(naive50.median)}; ${affected50} projects`,
      ),
      figure(
        `mapping.affected 3000-file PR`,
        map3000.median,
        "ms",
        TARGET,
        `${base}; naive prefix scan ${ms(naive3000.median)}; ${affected3000} projects`,
      ),
      figure(`mapping.readRepoTree 20k files`, read.median, "ms", undefined, `${base}; reads+lexes ${tree.tfSources.size} dirs' .tf`),
      figure(
        `mapping.total incl. readRepoTree`,
        read.median + map50.median,
        "ms",
        TARGET,
        `${base}; readRepoTree ${ms(read.median)} + mapping ${ms(map50.median)}`,
      ),
    ];
  } finally {
    await repo.remove();
  }
}

runIfMain(import.meta.url, mapping);
