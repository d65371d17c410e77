import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources, tfProject } from "../support/harness.js";
import { namedRepo } from "./named-projects-support.js";
import { completed, say } from "./trust-holes-support.js";

// Issue #13's correctness bug: two workspaces of one autodiscovered dir, then a bare /apply. Each
// workspace's saved plan must reach its own project: identity is (repo, dir, workspace, name).

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
  // Inside the harness's sandbox path: tool runs may write their state only there.
  stateDir = await mkdtemp(join(h.stateDir, "sluice-trust-ws-"));
});
afterAll(async () => {
  await h?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/**
 * Local backend with both paths absolute: the default workspace's state at `path`, every other
 * workspace's at `<workspace_dir>/<name>/terraform.tfstate` (terraform's layout).
 */
const workspaceAware = (defaultState: string, workspaceDir: string, resources: number) =>
  `terraform {\n  backend "local" {\n    path          = "${defaultState}"\n    workspace_dir = "${workspaceDir}"\n  }\n}\n\n${tfProject("app", resources)}`;

describe("issue #13: two workspaces of one directory, then a bare /apply", () => {
  it("`/plan`, `/plan -w new_workspace`, `/apply`: both workspaces applied from their own plans", async () => {
    const name = "two-workspaces";
    const defaultState = join(stateDir, "default.tfstate");
    const workspaceDir = join(stateDir, "workspaces");
    const otherState = join(workspaceDir, "new_workspace", "terraform.tfstate");
    const repo = await namedRepo(h, name, { "app/main.tf": workspaceAware(defaultState, workspaceDir, 0) });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "app/main.tf": workspaceAware(defaultState, workspaceDir, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");

    expect(await say(h, repo, pr.number, "bob", "/plan")).toMatch(/✅ planned/);
    const other = await say(h, repo, pr.number, "bob", "/plan -w new_workspace");
    expect(other).toMatch(/✅ planned/);
    expect(other).toContain("workspace `new_workspace`");

    const reply = await say(h, repo, pr.number, "bob", "/apply");
    expect(await stateResources(defaultState), reply).toEqual(["terraform_data.app_0"]);
    expect(await stateResources(otherState), reply).toEqual(["terraform_data.app_0"]);
    expect(reply).toMatch(/· ✅ applied/);
    expect(reply).not.toContain("❌");
    expect(reply.match(/\): ✅ applied/g) ?? []).toHaveLength(2);
    expect(reply).toContain("workspace `default`");
    expect(reply).toContain("workspace `new_workspace`");
  });
});
