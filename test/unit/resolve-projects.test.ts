import { describe, expect, it } from "vitest";
import { PROJECT_DETECTORS } from "../../runners/registry.js";
import { defaultRepoConfig } from "../../src/config/repo/load-repo-config.js";
import type { ProjectTree } from "../../src/model/project-tree.js";
import type { RepoConfig } from "../../src/model/repo-config.js";
import { resolveProjects } from "../../src/projects/resolve-projects.js";
import { baseProjectsOf } from "../../src/config/trusted-identity.js";

const tree: ProjectTree = {
  files: [
    "envs/prod/main.tf",
    "envs/dev/main.tf",
    "modules/net/main.tf",
    "charts/web/Chart.yaml",
    "charts/web/templates/d.yaml",
    "k8s/base/kustomization.yaml",
    "k8s/overlays/prod/kustomization.yaml",
    "docs/README.md",
  ],
  tfSources: new Map([
    ["envs/prod", ["../../modules/net"]],
    ["envs/dev", []],
  ]),
  kustomizeRefs: new Map([["k8s/overlays/prod", ["../../base"]]]),
};
const names = (ps: { name: string; runner: string }[]) => ps.map((p) => `${p.runner}:${p.name}`);

describe("resolveProjects over the tools' detectors", () => {
  it("finds each tool's projects and what a change touches, through modules and bases", () => {
    const r = resolveProjects(defaultRepoConfig(), tree, ["modules/net/main.tf", "k8s/base/kustomization.yaml"], PROJECT_DETECTORS);
    // A module or a base another dir uses is not a project of its own.
    expect(names(r.all)).toEqual(["helm:charts/web", "terraform:envs/dev", "terraform:envs/prod", "kustomize:k8s/overlays/prod"]);
    expect(names(r.affected)).toEqual(["terraform:envs/prod", "kustomize:k8s/overlays/prod"]);
  });

  it("leaves dirs a configured project claims, and ignored dirs, to the config", () => {
    const config: RepoConfig = {
      ...defaultRepoConfig(),
      source: ".sluice.yaml",
      autodiscover: { enabled: true, ignore: ["charts/**"] },
      projects: [
        {
          name: "prod",
          dir: "envs/prod",
          workspace: "default",
          runner: "opentofu",
          autoplan: { enabled: true, whenModified: ["**/*.tf"] },
          dependsOn: [],
          executionOrderGroup: 0,
        },
      ],
    };
    const r = resolveProjects(config, tree, ["charts/web/Chart.yaml", "envs/prod/main.tf"], PROJECT_DETECTORS);
    expect(names(r.all)).toEqual(["opentofu:prod", "terraform:envs/dev", "kustomize:k8s/overlays/prod"]);
    expect(names(r.affected)).toEqual(["opentofu:prod"]);
    // Why it is planned: the changed file and the when_modified pattern that matched it.
    expect(r.affected[0]?.why).toEqual(["`envs/prod/main.tf`, matches when_modified `envs/prod/**/*.tf`"]);
  });

  it("tells a discovered project apart from a configured one of its name, so neither takes the other's place", () => {
    const project = (name: string, dir: string) => ({
      name,
      dir,
      workspace: "default",
      runner: "terraform" as const,
      autoplan: { enabled: true, whenModified: ["**/*.tf"] },
      dependsOn: [],
      executionOrderGroup: 0,
    });
    // `envs/dev` is a configured project's name on another dir, and so is its first fallback.
    const config: RepoConfig = {
      ...defaultRepoConfig(),
      source: ".sluice.yaml",
      autodiscover: { enabled: true, ignore: ["charts/**", "k8s/**"] },
      projects: [project("envs/dev", "envs/prod"), project("envs/dev~autodiscovered", "modules/net")],
    };
    const r = resolveProjects(config, tree, ["envs/prod/main.tf", "envs/dev/main.tf"], PROJECT_DETECTORS);
    expect(r.all.map((p) => [p.name, p.dir])).toEqual([
      ["envs/dev", "envs/prod"],
      ["envs/dev~autodiscovered", "modules/net"],
      ["envs/dev~autodiscovered-2", "envs/dev"],
    ]);
    // Both are planned, each under its own name (one name would have kept only the discovered one).
    expect(r.affected.map((p) => [p.name, p.dir])).toEqual([
      ["envs/dev~autodiscovered-2", "envs/dev"],
      ["envs/dev", "envs/prod"],
    ]);
    // Control: without the clash, a discovered project keeps its dir's name.
    const plain = resolveProjects({ ...config, projects: [project("prod", "envs/prod")] }, tree, ["envs/dev/main.tf"], PROJECT_DETECTORS);
    expect(plain.affected.map((p) => p.name)).toEqual(["envs/dev"]);
  });

  it("attack: a dir named like the name a discovered project is told apart by takes neither that name nor the other's place", () => {
    const config: RepoConfig = {
      ...defaultRepoConfig(),
      source: ".sluice.yaml",
      autodiscover: { enabled: true, ignore: ["charts/**", "k8s/**"] },
      projects: [
        {
          name: "envs/dev",
          dir: "envs/prod",
          workspace: "default",
          runner: "terraform",
          autoplan: { enabled: true, whenModified: ["**/*.tf"] },
          dependsOn: [],
          executionOrderGroup: 0,
        },
      ],
    };
    // The PR adds a dir `envs/dev~autodiscovered`, the name `envs/dev` would be told apart by, and changes both.
    const squatted = { ...tree, files: [...tree.files, "envs/dev~autodiscovered/main.tf"] };
    const changed = ["envs/dev/main.tf", "envs/dev~autodiscovered/main.tf"];
    const r = resolveProjects(config, squatted, changed, PROJECT_DETECTORS);
    // Both are planned, each under a name of its own.
    expect(r.affected.map((p) => [p.name, p.dir])).toEqual([
      ["envs/dev~autodiscovered-2", "envs/dev"],
      ["envs/dev~autodiscovered", "envs/dev~autodiscovered"],
    ]);
    expect(new Set(r.all.map((p) => p.name)).size).toBe(r.all.length);
    // The base branch's projects name them the same way.
    const base = baseProjectsOf(config, squatted.files);
    expect(base.filter((p) => p.dir.startsWith("envs/dev")).map((p) => [p.name, p.dir])).toEqual([
      ["envs/dev~autodiscovered-2", "envs/dev"],
      ["envs/dev~autodiscovered", "envs/dev~autodiscovered"],
    ]);
  });

  it("a configured overlay follows its bases, a configured chart its values files; a file when_modified matched is named once", () => {
    const project = (name: string, dir: string, runner: "helm" | "kustomize", extra = {}) => ({
      name,
      dir,
      workspace: "default",
      runner,
      autoplan: { enabled: true, whenModified: ["**/*.yaml"] },
      dependsOn: [],
      executionOrderGroup: 0,
      ...extra,
    });
    const config: RepoConfig = {
      ...defaultRepoConfig(),
      source: ".sluice.yaml",
      autodiscover: { enabled: false, ignore: [] },
      projects: [
        project("prod", "k8s/overlays/prod", "kustomize"),
        project("web", "charts/web", "helm", { helm: { values: ["../../clusters/prod/web.yaml"] } }),
      ],
    };
    const r = resolveProjects(
      config,
      tree,
      ["k8s/base/kustomization.yaml", "clusters/prod/web.yaml", "charts/web/values.yaml"],
      PROJECT_DETECTORS,
    );
    expect(names(r.affected)).toEqual(["helm:web", "kustomize:prod"]);
    expect(r.affected[0]?.why).toEqual([
      "`charts/web/values.yaml`, matches when_modified `charts/web/**/*.yaml`",
      "`clusters/prod/web.yaml`, a values file of the chart",
    ]);
    expect(r.affected[1]?.why).toEqual(["`k8s/base/kustomization.yaml`, rendered through `k8s/base`"]);
  });

  it("finds nothing when autodiscovery is off, and nothing without detectors", () => {
    const off = { ...defaultRepoConfig(), autodiscover: { enabled: false, ignore: [] } };
    expect(resolveProjects(off, tree, ["envs/dev/main.tf"], PROJECT_DETECTORS).all).toEqual([]);
    expect(resolveProjects(defaultRepoConfig(), tree, ["envs/dev/main.tf"], []).all).toEqual([]);
  });
});
