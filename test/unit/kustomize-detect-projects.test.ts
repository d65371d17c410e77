import { describe, expect, it } from "vitest";
import { detectKustomizeProjects, kustomizationRefs } from "../../runners/kustomize/detect-kustomize-projects.js";

describe("kustomizationRefs", () => {
  it("keeps local resources, bases and components; drops remote ones", () => {
    const text = [
      "resources:",
      "  - deployment.yaml",
      "  - ../../base",
      "  - https://github.com/org/repo//deploy?ref=v1",
      "  - github.com/org/repo/deploy",
      "bases: [../legacy]",
      "components: [../../components/tls]",
    ].join("\n");
    expect(kustomizationRefs(text)).toEqual(["deployment.yaml", "../../base", "../legacy", "../../components/tls"]);
    expect(kustomizationRefs("resources: [unclosed")).toEqual([]);
  });
});

describe("detectKustomizeProjects", () => {
  it("plans overlays; bases and components are planned through their users", () => {
    const files = [
      "k8s/base/kustomization.yaml",
      "k8s/base/deployment.yaml",
      "k8s/components/tls/kustomization.yaml",
      "k8s/overlays/prod/kustomization.yml",
      "k8s/overlays/staging/Kustomization",
      "other/kustomization.yaml",
    ];
    const refs = new Map([
      ["k8s/overlays/prod", ["../../base", "../../components/tls", "patch.yaml"]],
      ["k8s/overlays/staging", ["../../base"]],
      ["k8s/base", ["deployment.yaml"]],
    ]);
    const found = detectKustomizeProjects({ files, refs });
    expect(found.projects.map((p) => `${p.runner} ${p.dir}`)).toEqual([
      "kustomize k8s/overlays/prod",
      "kustomize k8s/overlays/staging",
      "kustomize other",
    ]);
    expect(found.bases).toEqual(
      new Map([
        ["k8s/base", new Set(["k8s/overlays/prod", "k8s/overlays/staging"])],
        ["k8s/components/tls", new Set(["k8s/overlays/prod"])],
      ]),
    );
  });
});
