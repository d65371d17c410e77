import { describe, expect, it } from "vitest";
import { PROJECT_DETECTORS } from "../../runners/registry.js";
import { defaultRepoConfig } from "../../src/config/repo/load-repo-config.js";
import type { ProjectTree } from "../../src/model/project-tree.js";
import type { RepoConfig } from "../../src/model/repo-config.js";
import { resolveProjects } from "../../src/projects/resolve-projects.js";

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

  it("finds nothing when autodiscovery is off, and nothing without detectors", () => {
    const off = { ...defaultRepoConfig(), autodiscover: { enabled: false, ignore: [] } };
    expect(resolveProjects(off, tree, ["envs/dev/main.tf"], PROJECT_DETECTORS).all).toEqual([]);
    expect(resolveProjects(defaultRepoConfig(), tree, ["envs/dev/main.tf"], []).all).toEqual([]);
  });
});
