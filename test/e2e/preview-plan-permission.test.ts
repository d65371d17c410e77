import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs, waitPreviewComment } from "../support/previews.js";
import { completed } from "./trust-holes-support.js";

/**
 * `permissions: {plan: …}` says who may plan a project: its plans run the pull request's code with
 * the project's credentials. A PR's own plan asked the rule; its preview (a plan and an apply of
 * the same code, in the preview's workspace, with the project's preview credentials) did not.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["allowed_overrides: [preview]", "permissions:", '  - { match: "acme/pp-*:app", plan: [carol] }', ""].join("\n"),
    // The rule's user has an account before Sluice starts: the rule names that account (its id).
    beforeStart: async (sim) => void sim.addUser("carol"),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const CONFIG = 'version: 1\nprojects:\n  - name: app\n    dir: app\n    preview:\n      workspace: "pr-{number}"\n';
const appTf = (dir: string, v: string) =>
  `terraform {\n  backend "local" {\n    path          = "${join(dir, "prod.tfstate")}"\n    workspace_dir = "${join(dir, "ws")}"\n  }\n}\nresource "terraform_data" "web" {\n  input = "\${terraform.workspace}-${v}"\n}\n`;

async function previewOf(name: string, author: string) {
  const dir = await mkdtemp(join(h.stateDir, `${name}-`));
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { ".sluice.yaml": CONFIG, "app/main.tf": appTf(dir, "v1") } });
  await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(dir, "v2") } });
  const pr = await h.sim.openPullRequest(repo, { head: "feature", author });
  await completed(h, repo, pr.headSha, "sluice/plan");
  const said = await waitPreviewComment(h, repo, pr.number, /✅ live|No preview|refused|failed/i, "no preview outcome");
  return { said, wsState: join(dir, "ws", `pr-${pr.number}`, "terraform.tfstate"), repo, pr };
}

describe("a preview asks who may plan the project", { timeout: 300_000 }, () => {
  it("the PR of someone the rule does not let plan app gets no preview: nothing planned or applied", async () => {
    const { said, wsState, repo, pr } = await previewOf("pp-1", "alice");
    expect(await stateInputs(wsState), said).toEqual([]);
    expect(previewComment(h, repo, pr.number)).toContain("lets only `carol` plan this project");
  });

  it("control: carol's PR gets its live preview", async () => {
    const { said, wsState, pr } = await previewOf("pp-2", "carol");
    expect(said).toMatch(/✅ live/);
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-v2`]);
  });
});
