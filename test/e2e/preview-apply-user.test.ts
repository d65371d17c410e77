import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs, waitPreviewComment } from "../support/previews.js";
import { completed } from "./trust-holes-support.js";

/**
 * `apply_users` names accounts, compared by the id GitHub sends with each event. A push's preview
 * sync (queued after its autoplan) acts for the pusher: without their id it matched no one, and
 * an apply user who may not write to the repository got no preview of their own pull request.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: ["allowed_overrides: [preview]", "apply_users: [dave]", ""].join("\n") });
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
  h.sim.setPermission(repo.fullName, author, "read");
  await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(dir, "v2") } });
  const pr = await h.sim.openPullRequest(repo, { head: "feature", author });
  // Erin may not plan: her pull request gets no autoplan to wait for, only its preview's answer.
  if (author === "dave") await completed(h, repo, pr.headSha, "sluice/plan");
  const said = await waitPreviewComment(h, repo, pr.number, /✅ live|No preview|refused|failed/i, "no preview outcome");
  return { said, wsState: join(dir, "ws", `pr-${pr.number}`, "terraform.tfstate"), repo, pr };
}

describe("an apply user's pull request gets its preview", { timeout: 300_000 }, () => {
  it("dave, named in apply_users with read access only, gets the live preview of his pull request", async () => {
    const { said, wsState, pr } = await previewOf("pau-1", "dave");
    expect(said).toMatch(/✅ live/);
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-v2`]);
  });

  it("control: erin, with read access and not named, gets no preview: nothing applied", async () => {
    const { said, wsState, repo, pr } = await previewOf("pau-2", "erin");
    expect(await stateInputs(wsState), said).toEqual([]);
    expect(previewComment(h, repo, pr.number)).toMatch(/No preview/);
  });
});
