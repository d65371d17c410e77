import { describe, expect, it } from "vitest";
import { sourceDirsOf } from "../../src/drift/source-dirs-of.js";

const tree = (tf: Record<string, string[]>, kustomize: Record<string, string[]> = {}) => ({
  tfSources: new Map(Object.entries(tf)),
  kustomizeRefs: new Map(Object.entries(kustomize)),
});

describe("sourceDirsOf: what a drift check asks git about", () => {
  it("follows local modules through modules, and stops at cycles", () => {
    const t = tree({
      "envs/prod": ["../../modules/net"],
      "modules/net": ["../common", "./sub"],
      "modules/common": ["../net"],
    });
    expect(sourceDirsOf("envs/prod", t)).toEqual(["envs/prod", "modules/common", "modules/net", "modules/net/sub"]);
  });

  it("follows kustomize bases and components, and ignores references that leave the repo", () => {
    const t = tree({}, { "overlays/prod": ["../../base", "patch.yaml", "../../../outside"], base: ["deployment.yaml"] });
    expect(sourceDirsOf("overlays/prod", t)).toEqual(["base", "base/deployment.yaml", "overlays/prod", "overlays/prod/patch.yaml"]);
  });

  it("is the project dir alone when it uses nothing local (the tree holds local sources only)", () => {
    expect(sourceDirsOf("net", tree({ other: ["../modules/x"] }))).toEqual(["net"]);
  });
});
