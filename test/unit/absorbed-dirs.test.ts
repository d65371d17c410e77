import { describe, expect, it } from "vitest";
import { absorbedDirs } from "../../src/projects/absorbed-dirs.js";

const tree = (files: string[], tfSources: [string, string[]][] = [], kustomizeRefs: [string, string[]][] = []) => ({
  files,
  tfSources: new Map(tfSources),
  kustomizeRefs: new Map(kustomizeRefs),
});

describe("absorbedDirs: dirs a pull request made part of another project", () => {
  it("a Terraform dir a changed dir now uses as a module, a chart under an added Chart.yaml, a base a changed overlay uses", () => {
    const tf = tree(["app/main.tf", "root/main.tf"], [["root", ["../app"]]]);
    expect([...absorbedDirs(tf, new Set(["app"]), ["root/main.tf"])]).toEqual([["app", ["root"]]]);
    const helm = tree(["charts/web/Chart.yaml", "charts/web/charts/redis/Chart.yaml"]);
    expect([...absorbedDirs(helm, new Set(["charts/web/charts/redis"]), ["charts/web/Chart.yaml"])]).toEqual([
      ["charts/web/charts/redis", []],
    ]);
    const kz = tree(["app/base/kustomization.yaml", "app/prod/kustomization.yaml"], [], [["app/prod", ["../base"]]]);
    expect([...absorbedDirs(kz, new Set(["app/base"]), ["app/prod/kustomization.yaml"])]).toEqual([["app/base", []]]);
  });

  it("control: a module whose users the pull request left alone, or a dir still a project of its own, is none", () => {
    const tf = tree(["app/main.tf", "modules/net/main.tf"], [["app", ["../modules/net"]]]);
    expect([...absorbedDirs(tf, new Set(["modules/net"]), ["modules/net/main.tf", "README.md"])]).toEqual([]);
    // A kustomization used by another but no base by name stays a project of its own: not missing.
    const kz = tree(["app/kustomization.yaml", "prod/kustomization.yaml"], [], [["prod", ["../app"]]]);
    expect([...absorbedDirs(kz, new Set(), ["prod/kustomization.yaml"])]).toEqual([]);
    // A dir autodiscovery ignores uses no module.
    const vendored = tree(["app/main.tf", "node_modules/x/main.tf"], [["node_modules/x", ["../../app"]]]);
    expect([...absorbedDirs(vendored, new Set(["app"]), ["node_modules/x/main.tf"])]).toEqual([]);
    // A chart whose parent's Chart.yaml the pull request deleted is under no chart at the head.
    const helm = tree(["charts/web/charts/redis/Chart.yaml"]);
    expect([...absorbedDirs(helm, new Set(["charts/web/charts/redis"]), ["charts/web/Chart.yaml"])]).toEqual([]);
  });
});
