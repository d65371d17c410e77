import { describe, expect, it } from "vitest";
import { PROJECT_DETECTORS } from "../../runners/registry.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import type { ProjectTree } from "../../src/model/project-tree.js";
import { resolveProjects } from "../../src/projects/resolve-projects.js";

// `autodiscover.ignore_paths` comes from the PR head's own config and is matched (picomatch, a
// backtracking regexp) against the dirs of the files the PR adds: `*a*a*…*b` against a dir of 40
// `a`s took 10 s with 9 pairs, and hours with 12, in the job thread that runs every job.
const resolve = (ignore: string, dir: string) => {
  const loaded = loadRepoConfig({ sluice: `version: 1\nautodiscover: { mode: auto, ignore_paths: ["${ignore}"] }\n` });
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  const files = [`${dir}/main.tf`, "envs/prod/main.tf"];
  const tree: ProjectTree = { files, tfSources: new Map(), kustomizeRefs: new Map() };
  return resolveProjects(loaded.config, tree, files, PROJECT_DETECTORS).all.map((p) => p.dir);
};

describe("autodiscover.ignore_paths against a hostile glob and dir name", () => {
  it("a glob that backtracks without end stops the job with the reason, at once (attack)", () => {
    const glob = `${"*a".repeat(12)}*b`;
    const started = performance.now();
    expect(() => resolve(glob, "a".repeat(60))).toThrow(
      `autodiscover.ignore_paths took longer than 2 s to match the dirs of this commit (\`${glob}\`): a glob with many \`*\` backtracks on a long name; write it with fewer wildcards`,
    );
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("ordinary globs still leave dirs out (control)", () => {
    expect(resolve("sandbox/**", "sandbox/x")).toEqual(["envs/prod"]);
    expect(resolve("*a*b", "xaxb")).toEqual(["envs/prod"]);
    expect(resolve("*a*b", "xaxc")).toEqual(["envs/prod", "xaxc"]);
  });
});
