import { describe, expect, it } from "vitest";
import { goneOfCheckout } from "../../src/repo-reading/gone-of-checkout.js";
import type { Workspace } from "../../src/workspace/workspace.js";

const repo = { owner: "acme", name: "infra" };
const config = { repo_config_file: ".sluice.yaml" } as never;
const base = [
  { name: "app", dir: "app", workspace: "default" },
  { name: "web", dir: "web", workspace: "default" },
];
const head = {
  all: [{ name: "app", dir: "app", workspace: "default", runner: "terraform" as const }],
  tree: { files: [], tfSources: new Map(), kustomizeRefs: new Map() } as never,
};
// web's dir deleted, and the repo config changed beside it.
const checkout = { files: [".sluice.yaml", "app/main.tf"], changedFiles: [".sluice.yaml", "web/main.tf"], mergeBase: "mb" };

/** The merge base's files: path -> text. */
function workspaceAt(files: Record<string, string>): Workspace {
  return {
    readFilesAtPaths: async (_: unknown, reads: readonly { sha: string; path: string }[]) => reads.map((r) => files[r.path]),
    filesAt: async () => Object.keys(files),
    readFilesAt: async (_: unknown, _sha: string, select: (p: string) => boolean) =>
      new Map(Object.entries(files).filter(([p]) => select(p))),
    symlinksAt: async () => new Map(),
  } as unknown as Workspace;
}

describe("goneOfCheckout: what was a project where the pull request branched off", () => {
  it("a project of the merge base's config is named; one the base listed since is not", async () => {
    const listed = (dirs: string[]) => `version: 1\nprojects:\n${dirs.map((d) => `  - { name: ${d}, dir: ${d} }\n`).join("")}`;
    const before = workspaceAt({ ".sluice.yaml": listed(["app", "web"]) });
    expect((await goneOfCheckout({ workspace: before, config }, repo, base, head, checkout)).map((g) => g.name)).toEqual(["web"]);
    const since = workspaceAt({ ".sluice.yaml": listed(["app"]) });
    expect(await goneOfCheckout({ workspace: since, config }, repo, base, head, checkout)).toEqual([]);
  });

  it("a merge base that cannot be read names every candidate, and throws nothing (a merge's applies are reported after it)", async () => {
    const broken = {
      ...workspaceAt({}),
      readFilesAtPaths: async () => {
        throw new Error("`.sluice.yaml` at mb is a directory, not a file");
      },
    } as unknown as Workspace;
    expect((await goneOfCheckout({ workspace: broken, config }, repo, base, head, checkout)).map((g) => g.name)).toEqual(["web"]);
  });
});
