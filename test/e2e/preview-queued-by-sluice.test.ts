import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, previewDeployments, stateInputs, waitPreviewComment } from "../support/previews.js";
import { bot, completed } from "./trust-holes-support.js";

/**
 * A pull request whose plan waited for another's lock is planned again when the lock is released,
 * in Sluice's own name (actor `sluice`), and its previews follow that autoplan. The preview sync
 * asked GitHub whether `sluice` may write to the repository: nobody of that name can, so the
 * preview was refused ("No preview: … @sluice …") and stayed at the commit before. It is the
 * author's code: the author is asked, for write access and for the project's `permissions`; or,
 * when someone else was heard pushing the head while it waited, that pusher is.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["allowed_overrides: [preview]", "permissions:", '  - { match: "acme/qs-*:app", apply: [carol, dave] }', ""].join("\n"),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const CONFIG = "version: 1\nprojects:\n  - name: app\n    dir: app\n    preview: {}\n";
const appTf = (dir: string, v: string) =>
  `terraform {\n  backend "local" {\n    path          = "${join(dir, "prod.tfstate")}"\n    workspace_dir = "${join(dir, "ws")}"\n  }\n}\nresource "terraform_data" "web" {\n  input = "\${terraform.workspace}-${v}"\n}\n`;

const REFUSALS = /No preview|⛔ refused/g;

/**
 * Opens dave's PR (it takes app's lock), then `author`'s, whose plan waits for it (and to which
 * `pusher`, when given, pushes while it waits); closes dave's.
 */
async function afterLockRelease(name: string, author: string, pusher?: string) {
  for (const u of ["carol", "dave", "alice", "mallory"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const dir = await mkdtemp(join(h.stateDir, `${name}-`));
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { ".sluice.yaml": CONFIG, "app/main.tf": appTf(dir, "v1") } });
  await h.sim.pushBranch(repo, { branch: "first", files: { "app/main.tf": appTf(dir, "v2") } });
  const holder = await h.sim.openPullRequest(repo, { head: "first", author: "dave" });
  await completed(h, repo, holder.headSha, "sluice/plan");
  await h.sim.pushBranch(repo, { branch: "second", files: { "app/main.tf": appTf(dir, "v3") } });
  const pr = await h.sim.openPullRequest(repo, { head: "second", author });
  await completed(h, repo, pr.headSha, "sluice/plan");
  const first = await waitPreviewComment(h, repo, pr.number, /✅ live|refused/, "no first preview outcome");
  expect(
    bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n"),
  ).toContain(`locked by #${holder.number}`);
  let head = pr.headSha;
  if (pusher) {
    head = await h.sim.pushBranch(repo, { branch: "second", files: { "app/main.tf": appTf(dir, "v4") }, pusher });
    await completed(h, repo, head, "sluice/plan");
    // That push's own preview sync, refused for its pusher: the sync after the release is the next.
    await waitPreviewComment(h, repo, pr.number, new RegExp(`${pusher} is not one of them`), "no refusal of the push's preview");
  }
  const before = previewDeployments(h, repo, "app", pr.number).length;
  const noticesBefore = (previewComment(h, repo, pr.number).match(REFUSALS) ?? []).length;
  await h.sim.closePullRequest(repo, holder.number, { user: "dave" });
  await completed(h, repo, head, "sluice/plan", 2);
  // The sync after the re-plan: a new deployment (applied again), or a refusal said in the comment.
  await h.sim.waitFor(
    () =>
      previewDeployments(h, repo, "app", pr.number).length > before ||
      (previewComment(h, repo, pr.number).match(REFUSALS) ?? []).length > noticesBefore,
    { message: "no preview sync after the lock was released", timeoutMs: 150_000 },
  );
  const said = previewComment(h, repo, pr.number);
  const deployments = previewDeployments(h, repo, "app", pr.number).length - before;
  return { said, first, deployments, repo, pr: pr.number, previewState: join(dir, "ws", `pr-${pr.number}`, "terraform.tfstate") };
}

describe("the preview sync Sluice queues after a released lock", { timeout: 300_000 }, () => {
  it("is carol's, whom GitHub and the project's rule let apply: her preview is applied again, and no @sluice is asked", async () => {
    const { said, first, deployments } = await afterLockRelease("qs-carol", "carol");
    expect(first).toMatch(/✅ live/);
    expect(said).not.toContain("\u200bsluice");
    expect(said).not.toMatch(/No preview/);
    expect(deployments, said).toBe(1);
  });

  it("asks whoever pushed the head too: mallory's push to carol's waiting PR is not applied in carol's name", async () => {
    const { said, previewState, repo, pr } = await afterLockRelease("qs-mallory", "carol", "mallory");
    // The sync's deployment ends (applied, or refused) before the state is read.
    await h.sim.waitFor(
      () => /^(success|failure|error)$/.test(previewDeployments(h, repo, "app", pr).at(-1)?.statuses.at(-1)?.state ?? ""),
      {
        message: "the preview's deployment did not end",
        timeoutMs: 150_000,
      },
    );
    expect(said).toContain("mallory is not one of them");
    // carol's preview, the push's refused sync, and the sync after the release: refused too.
    expect(previewDeployments(h, repo, "app", pr).map((d) => d.statuses.at(-1)?.state)).toEqual(["success", "failure", "failure"]);
    expect((await stateInputs(previewState)).filter((v) => String(v).endsWith("-v4"))).toEqual([]);
  });

  it("control: alice, whom the rule does not let apply app, is asked and refused: nothing applied", async () => {
    const { said, previewState } = await afterLockRelease("qs-alice", "alice");
    expect(said).toContain("⛔ refused");
    expect(said).toContain("alice is not one of them");
    expect(await stateInputs(previewState)).toEqual([]);
  });
});
