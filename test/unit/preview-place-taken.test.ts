import { describe, expect, it } from "vitest";
import type { Project } from "../../src/model/project.js";
import { previewPlaceTaken } from "../../src/preview/preview-workspace.js";
import { previewRecord } from "../support/preview-record.js";

const tf = (name: string, dir: string, workspace: string): Project => ({ name, dir, workspace, runner: "terraform" });
const helm = (name: string, namespace: string): Project => ({
  name,
  dir: `charts/${name}`,
  workspace: "default",
  runner: "helm",
  helm: { release: name, namespace },
});

describe("a preview's teardown where the base branch put a real project", () => {
  it("a Terraform preview is refused in a workspace a base-branch project has at its dir, whatever that project is named", () => {
    const why = previewPlaceTaken(previewRecord(), [tf("renamed", "app", "pr-7")]);
    expect(why).toContain("workspace `pr-7` of `app` to its project `renamed`");
  });

  it("control: the same workspace at another dir, or another workspace at its dir, is not the preview's place", () => {
    expect(previewPlaceTaken(previewRecord(), [tf("app", "app", "default"), tf("net", "net", "pr-7")])).toBeUndefined();
  });

  it("a Helm preview is refused in a namespace a base-branch project renders into; control: another namespace", () => {
    const preview = previewRecord({ runner: "helm", dir: "charts/web", workspace: "pr-7" });
    expect(previewPlaceTaken(preview, [helm("web", "pr-7")])).toContain("namespace `pr-7` to its project `web`");
    expect(previewPlaceTaken(preview, [helm("web", "prod"), tf("app", "charts/web", "pr-7")])).toBeUndefined();
  });
});
