import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs, waitPreviewComment } from "../support/previews.js";
import { untilIdle } from "../support/until-idle.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * A preview's apply (here its `/preview destroy`) is refused while another pull request holds its
 * project's lock at the preview's dir and workspace. Of named projects sharing that dir and
 * workspace (each locked by name), the gate read only the oldest lock there: when that was the
 * preview's own pull request's lock on the sibling, another's lock on the project itself went
 * unseen. Such locks stand where the default branch made the preview's workspace a real one: `a`
 * and `b` moved onto `app`/`pr-1`, the workspace #1's preview of `a` stands in.
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

/**
 * #1's preview of `a` live in `app`/`pr-1`; then the default branch puts `a` and `b` on that
 * workspace, #1 plans both there and lets `a`'s lock go (it holds `b`'s, the oldest there); with
 * `other`, a second pull request then takes `a`'s lock.
 */
async function previewBesideLocks(name: string, other: boolean) {
  const dir = await mkdtemp(join(h.stateDir, `${name}-`));
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { ".sluice.yaml": config(), "app/main.tf": appTf(dir, "v1") } });
  await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(dir, "v2") } });
  const pr = await h.sim.openPullRequest(repo, { head: "feature", author: "alice" });
  expect(pr.number).toBe(1);
  await waitPreviewComment(h, repo, pr.number, /✅ live/, "no live preview of a");
  const previewState = join(dir, "ws", "pr-1", "terraform.tfstate");
  expect(await stateInputs(previewState)).toEqual(["pr-1-preview-v2"]);

  await h.sim.pushDefaultBranch(repo, { ".sluice.yaml": config("pr-1") });
  const head = await h.sim.pushToPullRequest(repo, pr.number, { ".sluice.yaml": config("pr-1"), "app/main.tf": appTf(dir, "v3") });
  await completed(h, repo, head.headSha, "sluice/plan");
  await untilIdle(h.app.dataDir);
  // Its first plan's lock on `a` at `default` goes too.
  expect(await say(h, repo, pr.number, "alice", "/unlock -p a")).toContain("- `a` (`app`, workspace `pr-1`)");
  let holder: number | undefined;
  if (other) {
    await h.sim.pushBranch(repo, { branch: "other", files: { "app/main.tf": appTf(dir, "v4") } });
    const second = await h.sim.openPullRequest(repo, { head: "other", author: "bob" });
    await completed(h, repo, second.headSha, "sluice/plan");
    await untilIdle(h.app.dataDir);
    holder = second.number;
  }
  return { repo, pr, previewState, holder };
}

describe("a preview's apply and another pull request's lock on its named project", { timeout: 300_000 }, () => {
  it("/preview destroy is refused while another PR holds the project's lock, though the oldest lock there is the PR's own on its sibling", async () => {
    const { repo, pr, previewState, holder } = await previewBesideLocks("preview-named-lock-1", true);
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/preview destroy -p a" });
    const said = await waitPreviewComment(h, repo, pr.number, /refused|🗑️ destroyed/, "/preview destroy did nothing");
    expect(said).toContain(`${holder} holds the project's lock`);
    expect(said).not.toContain("🗑️ destroyed");
    expect(await stateInputs(previewState)).toEqual(["pr-1-preview-v2"]);
  });

  it("control: with only the PR's own lock on the sibling there, /preview destroy destroys the preview", async () => {
    const { repo, pr, previewState } = await previewBesideLocks("preview-named-lock-2", false);
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/preview destroy -p a" });
    const said = await waitPreviewComment(h, repo, pr.number, /refused|🗑️ destroyed/, "/preview destroy did nothing");
    expect(said, previewComment(h, repo, pr.number)).toContain("🗑️ destroyed");
    expect(await stateInputs(previewState)).toEqual([]);
  });
});
