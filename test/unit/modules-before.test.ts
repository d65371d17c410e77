import { describe, expect, it } from "vitest";
import { modulesBefore } from "../../src/repo-reading/modules-before.js";

const repo = { owner: "acme", name: "infra" };
/** The merge base's files, read as the mirror reads them (absent: undefined). */
const at = (files: Record<string, string>) => {
  const asked: string[] = [];
  const workspace = {
    readFilesAtPaths: async (_: unknown, reads: readonly { sha: string; path: string }[]) => {
      asked.push(...reads.map((r) => `${r.sha}:${r.path}`));
      return reads.map((r) => files[r.path]);
    },
  };
  return { workspace, asked };
};

describe("modulesBefore: modules a changed user already used where the pull request branched off", () => {
  it("a module app already used at the merge base stays one (its users' files read there, and nothing else)", async () => {
    const { workspace, asked } = at({ "app/main.tf": 'module "net" {\n  source = "../modules/net"\n}\n' });
    const checkout = { files: ["app/main.tf", "modules/net/main.tf", "web/main.tf"], changedFiles: ["app/main.tf"] };
    const absorbed = new Map([["modules/net", ["app"]]]);
    expect([...(await modulesBefore(workspace, repo, "mb", absorbed, checkout))]).toEqual(["modules/net"]);
    expect(asked).toEqual(["mb:app/main.tf"]);
  });

  it("control: a dir no user took as a module at the merge base (the pull request made it one) is not", async () => {
    const { workspace } = at({ "root/main.tf": 'resource "terraform_data" "x" {}\n' });
    const checkout = { files: ["app/main.tf", "root/main.tf", "root/more.tf"], changedFiles: ["root/more.tf"] };
    const absorbed = new Map([["app", ["root"]]]);
    expect([...(await modulesBefore(workspace, repo, "mb", absorbed, checkout))]).toEqual([]);
  });
});
