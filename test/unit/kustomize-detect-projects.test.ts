import { describe, expect, it } from "vitest";
import { detectKustomizeProjects, kustomizationRefs } from "../../runners/kustomize/detect-kustomize-projects.js";
import { kustomizeDetector } from "../../runners/kustomize/kustomize-detector.js";

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

describe("kustomizationRefs: files a render reads", () => {
  it("names patches, generators' files, replacements and CRDs; inline patches are left out", () => {
    const text = [
      "patches:",
      "  - path: patches/replicas.yaml",
      "  - patch: |-",
      "      - op: replace",
      "patchesStrategicMerge:",
      "  - limits.yaml",
      "  - |-",
      "    apiVersion: v1",
      "patchesJson6902: [{ path: json/patch.yaml }]",
      "configMapGenerator:",
      "  - name: cfg",
      "    files: [app.properties, key=../shared/extra.conf]",
      "    envs: [cfg.env]",
      "secretGenerator:",
      "  - name: creds",
      "    env: creds.env",
      "replacements: [{ path: repl.yaml }]",
      "crds: [crds/widget.yaml]",
    ].join("\n");
    expect(kustomizationRefs(text).sort()).toEqual(
      [
        "patches/replicas.yaml",
        "limits.yaml",
        "json/patch.yaml",
        "app.properties",
        "../shared/extra.conf",
        "cfg.env",
        "creds.env",
        "repl.yaml",
        "crds/widget.yaml",
      ].sort(),
    );
  });
});

describe("kustomizeDetector", () => {
  const files = [
    "apps/guestbook/kustomization.yaml",
    "apps/guestbook/service.yaml",
    "apps/guestbook-prod/kustomization.yaml",
    "k8s/base/kustomization.yaml",
    "k8s/base/deployment.yaml",
    "k8s/overlays/prod/kustomization.yaml",
  ];
  const tree = {
    files,
    tfSources: new Map<string, string[]>(),
    kustomizeRefs: new Map([
      ["apps/guestbook", ["service.yaml"]],
      ["apps/guestbook-prod", ["../guestbook"]],
      ["k8s/base", ["deployment.yaml"]],
      ["k8s/overlays/prod", ["../../base"]],
    ]),
  };

  it("plans an app that is also another's base with its user; a base by name only through its users; says why", () => {
    const found = kustomizeDetector.detect(tree, ["apps/guestbook/service.yaml", "k8s/base/deployment.yaml"]);
    expect(found.projects.map((p) => p.dir)).toEqual(["apps/guestbook", "apps/guestbook-prod", "k8s/overlays/prod"]);
    expect(found.affected.map((p) => p.dir)).toEqual(["apps/guestbook", "apps/guestbook-prod", "k8s/overlays/prod"]);
    const why = new Map(found.affected.map((p) => [p.name, p.why]));
    expect(why.get("apps/guestbook")).toEqual(["`apps/guestbook/service.yaml`"]);
    expect(why.get("apps/guestbook-prod")).toEqual(["`apps/guestbook/service.yaml`, rendered through `apps/guestbook`"]);
    expect(why.get("k8s/overlays/prod")).toEqual(["`k8s/base/deployment.yaml`, rendered through `k8s/base`"]);
  });

  it("a declared project follows the same closure", () => {
    const project = { name: "prod", dir: "k8s/overlays/prod", workspace: "default", runner: "kustomize" as const };
    expect(kustomizeDetector.follow?.(project, tree, ["k8s/base/deployment.yaml"])).toEqual([
      "`k8s/base/deployment.yaml`, rendered through `k8s/base`",
    ]);
    expect(kustomizeDetector.follow?.(project, tree, ["apps/guestbook/service.yaml"])).toEqual([]);
  });
});
