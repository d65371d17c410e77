import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROJECT_DETECTORS } from "../../runners/registry.js";
import { validateFilterValue } from "../../src/command/validate-filter-value.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { projectsForBaseBranch } from "../../src/config/repo/projects-for-base-branch.js";
import type { RepoConfig } from "../../src/model/repo-config.js";
import { resolveProjects } from "../../src/projects/resolve-projects.js";

// What Atlantis loads must load: each value here was refused by an earlier Sluice, in real files.
const text = readFileSync(new URL("../fixtures/repo-config/atlantis/accepted-by-atlantis.yaml", import.meta.url), "utf8");

function load(files: Parameters<typeof loadRepoConfig>[0]): RepoConfig {
  const result = loadRepoConfig(files);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.join("\n")}`);
  return result.config;
}

const tree = (files: string[]) => ({ files, tfSources: new Map<string, string[]>(), kustomizeRefs: new Map<string, string[]>() });
const affected = (config: RepoConfig, changed: string[]) =>
  resolveProjects(config, tree(changed), changed, PROJECT_DETECTORS).affected.map((p) => p.name);

describe("atlantis.yaml values Atlantis accepts", () => {
  const config = load({ atlantis: text });

  it("loads, with the dir cleaned, the workspace and the name kept", () => {
    const byName = new Map(config.projects.map((p) => [p.name, p]));
    expect(byName.get("dev")).toMatchObject({ dir: "infra/environments/dev", workspace: "prod:eu-west-1" });
    expect(byName.get("_shared")).toMatchObject({ dir: "shared", dependsOn: ["late", "elsewhere"], executionOrderGroup: 1 });
    expect(config.abortOnExecutionOrderFail).toBe(true);
  });

  it("says what Atlantis would do silently: a pattern above the root, depends_on outside the file or in a later group", () => {
    expect(config.warnings).toEqual([
      "`projects[0].autoplan.when_modified[0]` (../modules/**/*.tf) points above the repository root from `.`: it never matches a changed file (as in Atlantis)",
      "`projects[2].depends_on[1]`: no project named elsewhere in this file; ignored, as Atlantis does",
      "`projects[2].depends_on[0]`: late is in execution_order_group 2, which runs after this project's group 1: apply late first (a later `/apply`), as in Atlantis",
    ]);
  });

  it("matches as Atlantis does: the climbing pattern never, the escaped brackets literally", () => {
    expect(affected(config, ["modules/x/main.tf"])).toEqual([]);
    expect(affected(config, ["main.tf"])).toEqual(["root"]);
    expect(affected(config, ["infra/environments/dev/[legacy]/a.tf"])).toEqual(["dev"]);
  });

  it("branch: only the projects whose regex matches the base branch exist for a PR", () => {
    const main = projectsForBaseBranch(config, "main");
    const release = projectsForBaseBranch(config, "release-2024.1");
    const other = projectsForBaseBranch(config, "feature/x");
    const names = (r: ReturnType<typeof projectsForBaseBranch>) =>
      r.ok ? r.config.projects.filter((p) => p.dir === "releases").map((p) => `${p.name}:${p.branch}`) : r.errors;
    expect(names(main)).toEqual(["releases:/^main$/"]);
    expect(names(release)).toEqual(["releases:/^release-.*$/"]);
    expect(names(other)).toEqual([]);
    // Projects without a branch exist for every base branch.
    expect(other.ok && other.config.projects.map((p) => p.name)).toEqual(["root", "dev", "_shared", "late"]);
  });

  it("branch: two projects left with one name for a base branch are an error, as in Atlantis", () => {
    const both = load({
      atlantis: "version: 3\nprojects:\n  - dir: a\n    branch: /.*/\n  - dir: a\n    branch: /^main$/\n",
    });
    expect(projectsForBaseBranch(both, "dev").ok).toBe(true);
    expect(projectsForBaseBranch(both, "main")).toEqual({
      ok: false,
      errors: ["projects: two projects named a apply to the base branch main; make their `branch` regexes exclusive or name them apart"],
    });
  });

  it("branch: refuses what Atlantis refuses (no slashes, a bad regex)", () => {
    const bad = loadRepoConfig({ atlantis: "version: 3\nprojects:\n  - dir: a\n    branch: main\n  - dir: b\n    branch: /(/\n" });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors[0]).toBe("projects[0].branch: must be a regex that begins and ends with a slash `/`, got main (line 4)");
    expect(!bad.ok && bad.errors[1]).toMatch(/^projects\[1\]\.branch: is not a valid regex/);
  });

  it("comments can name them: `-p _shared -w prod:eu-west-1`", () => {
    expect(validateFilterValue("project", "_shared")).toEqual({ ok: true, value: "_shared" });
    expect(validateFilterValue("workspace", "prod:eu-west-1")).toEqual({ ok: true, value: "prod:eu-west-1" });
  });
});

describe("atlantis.yml", () => {
  it("is read when atlantis.yaml is absent, and says Atlantis would refuse the name", () => {
    const config = load({ atlantisYml: "version: 3\nprojects:\n  - dir: net\n" });
    expect(config.source).toBe("atlantis.yaml");
    expect(config.file).toBe("atlantis.yml");
    expect(config.projects.map((p) => p.dir)).toEqual(["net"]);
    expect(config.warnings).toEqual([
      "atlantis.yml was read as atlantis.yaml (Atlantis itself refuses this name and asks for the .yaml extension)",
    ]);
  });

  it("gives way to atlantis.yaml, with a warning", () => {
    const config = load({ atlantis: "version: 3\nprojects:\n  - dir: a\n", atlantisYml: "version: 3\nprojects:\n  - dir: b\n" });
    expect(config.projects.map((p) => p.dir)).toEqual(["a"]);
    expect(config.warnings).toEqual(["atlantis.yml was ignored because atlantis.yaml exists"]);
  });

  it("names itself in its errors", () => {
    const bad = loadRepoConfig({ atlantisYml: "version: 2\n" });
    expect(bad.ok === false && bad.file).toBe("atlantis.yml");
  });
});

describe("atlantis.yaml workflows as Atlantis reads them", () => {
  const workflows = (body: string) => load({ atlantis: `version: 3\nworkflows:\n  w:\n${body}` }).workflows.w;

  it("an empty `steps:` (or none) runs the default stage; `steps: []` runs none", () => {
    const INIT = { kind: "init", extraArgs: [] };
    const PLAN = { kind: "plan", extraArgs: [] };
    expect(workflows("    plan:\n      steps:\n")?.plan).toEqual([INIT, PLAN]);
    expect(workflows("    plan: {}\n")?.plan).toEqual([INIT, PLAN]);
    expect(workflows("    plan:\n      steps: []\n")?.plan).toEqual([]);
  });

  it("`run` is a script for `sh -c`, or for the step's own shell and arguments", () => {
    const steps = workflows(
      "    plan:\n      steps:\n        - run: |\n            if true; then echo $PLANFILE; fi\n        - run:\n            command: echo hi\n            shell: bash\n            shellArgs: [-eu, -c]\n",
    )?.plan;
    expect(steps).toEqual([
      { kind: "run", argv: ["sh", "-c", "if true; then echo $PLANFILE; fi\n"], shell: true },
      { kind: "run", argv: ["bash", "-eu", "-c", "echo hi"], shell: true },
    ]);
  });
});
