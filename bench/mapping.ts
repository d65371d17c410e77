import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec } from "../runners/exec.js";
import { PROJECT_DETECTORS } from "../runners/registry.js";
import { affectedProjects } from "../runners/terraform/affected-projects.js";
import { discoverTerraformProjects } from "../runners/terraform/discover-terraform-projects.js";
import { loadRepoConfig } from "../src/config/repo/load-repo-config.js";
import { readRepoTreeAt } from "../src/repo-reading/read-repo-tree.js";
import type { RepoRef } from "../src/model/repo.js";
import { resolveProjects } from "../src/projects/resolve-projects.js";
import { GitWorkspace } from "../src/workspace/git-workspace.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { median, ms } from "./support/stats.js";
import { HUGE, LARGE, largeProjectDirs, largeRepo, type RepoScale } from "./support/tf-repo-files.js";
import { writeBareRepo } from "./support/write-bare-repo.js";

const TARGET = { max: 200, strict: true, label: "< 200 ms" };
const HUGE_TARGET = { max: 500, strict: true, label: "< 500 ms" };
const REPO: RepoRef = { owner: "acme", name: "monorepo" };

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

/** A mirror of the generated repo where the app keeps it, and the app's git adapter over it. */
async function mirrorOf(scale: RepoScale) {
  const dataDir = await mkdtemp(join(tmpdir(), "sluice-bench-mapping-"));
  const mirror = new GitWorkspace(dataDir).mirrorDir(REPO);
  const sha = await writeBareRepo(mirror, largeRepo(scale));
  /** The baseline: git's own listing of the commit, nothing parsed. */
  const lsTree = () => exec("git", ["ls-tree", "-r", "-z", "--name-only", sha], { cwd: mirror });
  return {
    sha,
    lsTree,
    // A new adapter each time: nothing cached from an earlier run (the app keeps the last listings).
    workspace: () => new GitWorkspace(dataDir),
    remove: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** 50 projects' main.tf and README (spread over the teams), one shared module, docs of 20 more: a PR's changed files. */
function fiftyProjectChange(paths: readonly string[], scale: RepoScale): string[] {
  const all = largeProjectDirs(scale);
  const step = Math.floor(all.length / 50);
  return [
    ...all
      .filter((_, i) => i % step === 0)
      .slice(0, 50)
      .flatMap((d) => [`${d}/main.tf`, `${d}/README.md`]),
    "modules/m-07/main.tf",
    ...paths.filter((p) => p.endsWith("/docs/runbook.md")).slice(0, 20),
  ];
}

/**
 * Figure 2: changed files → projects. In the 1,000-project, 20,000-file repo: the pure mapping
 * (discoverTerraformProjects + affectedProjects), and the tree read (git grep for local module
 * sources, then one `git cat-file --batch` for the .tf and kustomization files to lex: from git
 * objects, since a sparse checkout does not hold them). In the 10,000-project, 200,000-file repo:
 * all of what a job does before it plans, file list included. Baselines: `git ls-tree` of the
 * same commit, and a naive prefix-scan mapping.
 */
export async function mapping(opts: BenchOptions): Promise<Figure[]> {
  const reps = opts.quick ? 5 : 11;
  console.error("mapping: writing the 1,000-project repo's mirror");
  const scale = { teams: LARGE.teams, modules: LARGE.modules };
  const large = await mirrorOf(scale);
  const figures: Figure[] = [];
  try {
    const paths = await large.workspace().filesAt(REPO, large.sha);
    const tree = await readRepoTreeAt(large.workspace(), REPO, large.sha, paths);
    const projectCount = discoverTerraformProjects(tree).projects.length;
    if (projectCount !== 1000) throw new Error(`expected 1000 projects, discovered ${projectCount}`);

    const changed50 = fiftyProjectChange(paths, scale);
    // GitHub lists at most 3,000 files of a PR: the biggest change the app can see.
    const changed3000 = paths.filter((_, i) => i % 7 === 0).slice(0, 3000);

    const ls = await timeIt(reps, large.lsTree);
    const projectDirs = discoverTerraformProjects(tree).projects.map((p) => p.dir);
    const naive50 = await timeIt(reps, () => naiveAffected(projectDirs, changed50));
    const naive3000 = await timeIt(reps, () => naiveAffected(projectDirs, changed3000));
    const map50 = await timeIt(reps, () => affectedProjects(tree, changed50, discoverTerraformProjects(tree)));
    const map3000 = await timeIt(reps, () => affectedProjects(tree, changed3000, discoverTerraformProjects(tree)));
    const read = await timeIt(opts.quick ? 3 : 7, async () => {
      const workspace = large.workspace();
      return readRepoTreeAt(workspace, REPO, large.sha, await workspace.filesAt(REPO, large.sha));
    });
    const affected50 = (map50.last as unknown[]).length;
    const affected3000 = (map3000.last as unknown[]).length;
    console.error(`mapping: 50-project change → ${affected50} projects; 3,000-file change → ${affected3000} projects`);

    const base = `git ls-tree ${ms(ls.median)}`;
    figures.push(
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
      figure(
        `mapping.readRepoTree 20k files`,
        read.median,
        "ms",
        undefined,
        `${base}; file list + git objects, lexes ${tree.tfSources.size} dirs' .tf`,
      ),
      figure(
        `mapping.total incl. readRepoTree`,
        read.median + map50.median,
        "ms",
        TARGET,
        `${base}; readRepoTree ${ms(read.median)} + mapping ${ms(map50.median)}`,
      ),
    );
  } finally {
    await large.remove();
  }
  figures.push(await hugeMapping(opts));
  return figures;
}

/** 10,000 projects / 200,000 files: file list, tree read and resolveProjects (every detector), as a job runs them. */
async function hugeMapping(opts: BenchOptions): Promise<Figure> {
  console.error("mapping: writing the 10,000-project, 200,000-file repo's mirror");
  const huge = await mirrorOf(HUGE);
  try {
    const config = loadRepoConfig({});
    if (!config.ok) throw new Error("the default repo config did not load");
    const paths = await huge.workspace().filesAt(REPO, huge.sha);
    const changed = fiftyProjectChange(paths, HUGE);
    const reps = opts.quick ? 3 : 7;
    const ls = await timeIt(reps, huge.lsTree);
    let projects = 0;
    let affected = 0;
    const total = await timeIt(reps, async () => {
      const workspace = huge.workspace();
      const files = await workspace.filesAt(REPO, huge.sha);
      const tree = await readRepoTreeAt(workspace, REPO, huge.sha, files);
      const resolved = resolveProjects(config.config, tree, changed, PROJECT_DETECTORS);
      projects = resolved.all.length;
      affected = resolved.affected.length;
    });
    if (projects !== 10_000) throw new Error(`expected 10000 projects, resolved ${projects}`);
    console.error(`mapping: 10,000 projects / ${paths.length} files, 50-project change → ${affected} projects`);
    return figure(
      "mapping.10k projects incl. tree read",
      total.median,
      "ms",
      HUGE_TARGET,
      `git ls-tree ${ms(ls.median)}; ${paths.length} files, ${affected} affected`,
    );
  } finally {
    await huge.remove();
  }
}

runIfMain(import.meta.url, mapping);
