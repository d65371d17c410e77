import { describe, expect, it } from "vitest";
import { detectHelmProjects } from "../../runners/helm/detect-helm-projects.js";
import { localChartDependencies } from "../../runners/helm/chart-dependencies.js";
import { helmDetector } from "../../runners/helm/helm-detector.js";

describe("detectHelmProjects", () => {
  it("finds chart dirs, not subcharts, not ignored dirs", () => {
    const files = [
      "charts/web/Chart.yaml",
      "charts/web/values.yaml",
      "charts/web/charts/cache/Chart.yaml",
      "charts/web/charts/cache/templates/sts.yaml",
      "apps/api/deploy/Chart.yaml",
      "node_modules/x/Chart.yaml",
      "docs/NotAChart.yaml",
      "infra/main.tf",
    ];
    expect(detectHelmProjects(files)).toEqual([
      { name: "apps/api/deploy", dir: "apps/api/deploy", workspace: "default", runner: "helm" },
      { name: "charts/web", dir: "charts/web", workspace: "default", runner: "helm" },
    ]);
  });

  it("a chart at the repo root owns every chart below it", () => {
    expect(detectHelmProjects(["Chart.yaml", "charts/sub/Chart.yaml"]).map((p) => p.dir)).toEqual(["."]);
  });
});

describe("helmDetector.follow", () => {
  it("a configured chart follows its values files wherever they are", () => {
    const tree = { files: [], tfSources: new Map(), kustomizeRefs: new Map() };
    const project = {
      name: "ksm",
      dir: "charts/ksm",
      workspace: "default",
      runner: "helm" as const,
      helm: { values: ["../../clusters/prod/ksm.yaml"] },
    };
    expect(helmDetector.follow?.(project, tree, ["clusters/prod/ksm.yaml"])).toEqual([
      "`clusters/prod/ksm.yaml`, a values file of the chart",
    ]);
    expect(helmDetector.follow?.(project, tree, ["charts/ksm/charts/dep/values.yaml"])).toEqual(["`charts/ksm/charts/dep/values.yaml`"]);
    expect(helmDetector.follow?.(project, tree, ["clusters/staging/ksm.yaml"])).toEqual([]);
  });
});

describe("helmDetector: file:// dependencies", () => {
  it("a chart is touched by a change in a local dependency's dir, transitively; the dependency is read from Chart.yaml", () => {
    expect(
      localChartDependencies(
        "dependencies:\n  - name: common\n    repository: file://../common\n  - name: redis\n    repository: https://x\n",
      ),
    ).toEqual(["../common"]);
    const tree = {
      files: ["apps/web/Chart.yaml", "libs/common/Chart.yaml", "libs/common/templates/_h.tpl", "libs/base/Chart.yaml"],
      tfSources: new Map(),
      kustomizeRefs: new Map(),
      chartRefs: new Map([
        ["apps/web", ["../../libs/common"]],
        ["libs/common", ["../base"]],
      ]),
    };
    const found = helmDetector.detect(tree, ["libs/base/Chart.yaml"]);
    expect(found.affected.map((p) => [p.dir, p.why])).toEqual([
      ["apps/web", ["`libs/base/Chart.yaml`, in `libs/base`, a `file://` dependency of the chart"]],
      ["libs/base", ["`libs/base/Chart.yaml`"]],
      ["libs/common", ["`libs/base/Chart.yaml`, in `libs/base`, a `file://` dependency of the chart"]],
    ]);
  });
});
