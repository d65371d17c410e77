import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs, storeRows, waitPreviewComment } from "../support/previews.js";
import { untilIdle } from "../support/until-idle.js";
import { completed } from "./trust-holes-support.js";

/**
 * A standing preview whose workspace the default branch later gives to real projects (`a` and `b`
 * moved onto `app`/`pr-1`, where #1's preview of `a` stands) is not torn down there: its destroy
 * would take what is now those projects' state. Found by the base branch's projects at the
 * preview's dir and workspace; `/preview destroy` and the close are both refused, the preview
 * stays recorded. (Another pull request's lock there refused such a teardown only sometimes.)
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [preview]\napply_requirements: []\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const PREVIEW = "    preview: { vars: { flavor: preview } }\n";
/** `a` with a preview on `app`; with `workspace`, `a` and `b` both on that workspace of `app`. */
const config = (workspace?: string) =>
  workspace
    ? `version: 1\nprojects:\n  - name: a\n    dir: app\n    workspace: ${workspace}\n${PREVIEW}  - name: b\n    dir: app\n    workspace: ${workspace}\n`
    : `version: 1\nprojects:\n  - name: a\n    dir: app\n${PREVIEW}`;
const appTf = (dir: string, v: string) =>
  `terraform {\n  backend "local" {\n    path          = "${join(dir, "prod.tfstate")}"\n    workspace_dir = "${join(dir, "ws")}"\n  }\n}\nvariable "flavor" {\n  type    = string\n  default = "real"\n}\nresource "terraform_data" "web" {\n  input = "\${terraform.workspace}-\${var.flavor}-${v}"\n}\n`;

/** #1's preview of `a` live in `app`/`pr-1`; then the default branch puts `a` and `b` on `workspace` of `app`. */
async function previewThenMove(name: string, workspace: string) {
  const dir = await mkdtemp(join(h.stateDir, `${name}-`));
  h.sim.setPermission(`acme/${name}`, "alice", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { ".sluice.yaml": config(), "app/main.tf": appTf(dir, "v1") } });
  await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(dir, "v2") } });
  const pr = await h.sim.openPullRequest(repo, { head: "feature", author: "alice" });
  expect(pr.number).toBe(1);
  await waitPreviewComment(h, repo, pr.number, /✅ live/, "no live preview of a");
  const previewState = join(dir, "ws", "pr-1", "terraform.tfstate");
  expect(await stateInputs(previewState)).toEqual(["pr-1-preview-v2"]);
  await h.sim.pushDefaultBranch(repo, { ".sluice.yaml": config(workspace) });
  const head = await h.sim.pushToPullRequest(repo, pr.number, { ".sluice.yaml": config(workspace) });
  await completed(h, repo, head.headSha, "sluice/plan");
  await untilIdle(h.app.dataDir);
  return { repo, pr, previewState };
}

describe("a preview's teardown in a workspace the default branch gave to a real project", { timeout: 300_000 }, () => {
  it("/preview destroy and the close are refused: the state there is the projects' now, the preview stays recorded", async () => {
    const { repo, pr, previewState } = await previewThenMove("preview-real-ws-1", "pr-1");
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/preview destroy -p a" });
    const said = await waitPreviewComment(h, repo, pr.number, /refused|🗑️ destroyed/, "/preview destroy did nothing");
    expect(said).toContain("⛔ refused: the base branch now gives the preview's workspace `pr-1` of `app` to its project `a`");
    expect(said).not.toContain("🗑️ destroyed");
    expect(await stateInputs(previewState)).toEqual(["pr-1-preview-v2"]);

    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await waitPreviewComment(h, repo, pr.number, /attempt 2\)/, "the close's teardown did nothing");
    await untilIdle(h.app.dataDir);
    expect(previewComment(h, repo, pr.number)).not.toContain("🗑️ destroyed");
    expect(await stateInputs(previewState)).toEqual(["pr-1-preview-v2"]);
    const rows = storeRows<{ status: string }>(h, "SELECT status FROM previews WHERE repo = ? AND project = 'a'", repo.fullName);
    expect(rows.map((r) => r.status)).toEqual(["destroy-failed"]);
    const refusals = storeRows<{ detail: string }>(
      h,
      "SELECT detail FROM audit_events WHERE repo = ? AND action = 'gate-refused' AND detail LIKE 'road: preview-destroy%'",
      repo.fullName,
    );
    expect(refusals.length).toBe(2);
  });

  it("control: where the default branch put them on another workspace, /preview destroy destroys the preview", async () => {
    const { repo, pr, previewState } = await previewThenMove("preview-real-ws-2", "pr-2");
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/preview destroy -p a" });
    const said = await waitPreviewComment(h, repo, pr.number, /refused|🗑️ destroyed/, "/preview destroy did nothing");
    expect(said, previewComment(h, repo, pr.number)).toContain("🗑️ destroyed");
    expect(await stateInputs(previewState)).toEqual([]);
  });
});
