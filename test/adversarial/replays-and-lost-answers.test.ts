import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, tfProject } from "../support/harness.js";
import { botComments, completedCheck, exists, nextReply, settle, storeCounts } from "./support.js";

let h: Harness;
let stateDir: string;
const failedPatches = () => h.sim.calls.filter((c) => c.method === "PATCH" && c.status === 502).length;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
  stateDir = h.stateDir;
});
afterAll(async () => {
  await h?.stop();
});

it("replaying a signed /plan body under a new delivery id does not run it again", async () => {
  h.sim.setPermission("acme/replay", "bob", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name: "replay", files: { "net/main.tf": tfProject("net") } });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  const { commentId } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
  await nextReply(h, repo, pr.number, 1);
  const payload = h.sim.deliveries.length; // unused
  void payload;
  // The body GitHub signed for that comment, replayed with a fresh X-GitHub-Delivery.
  const body = {
    action: "created",
    issue: { number: pr.number, pull_request: {} },
    comment: { id: commentId, body: "/plan", user: { login: "bob", type: "User" } },
    repository: { name: repo.name, owner: { login: "acme" }, clone_url: repo.cloneUrl },
    installation: { id: h.sim.installationId },
    sender: { login: "bob" },
  };
  await h.sim.deliver("issue_comment", body, { deliveryId: "first" });
  await nextReply(h, repo, pr.number, 2);
  const before = storeCounts(h.app.dataDir).jobs;
  await h.sim.deliver("issue_comment", body, { deliveryId: "replayed-with-new-id" });
  await settle(h);
  expect(storeCounts(h.app.dataDir).jobs).toBe(before);
});

it("a lost answer to creating the apply check does not leave a second sluice/apply check", async () => {
  h.sim.setPermission("acme/lostcheck", "bob", "write");
  const state = join(stateDir, "lc.tfstate");
  const repo = await h.sim.createRepo({ owner: "acme", name: "lostcheck", files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1) } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  h.sim.failNext({ method: "POST", pathPattern: /\/check-runs$/, loseAnswer: true });
  await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
  await completedCheck(h, repo, pr.headSha, "sluice/apply");
  await settle(h);
  expect(h.sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/apply")).toHaveLength(1);
});

it("GitHub down for longer than the retry budget when the apply result is posted: posted once it is back", async () => {
  h.sim.setPermission("acme/down", "bob", "write");
  const state = join(stateDir, "down.tfstate");
  const marker = join(stateDir, "down.log");
  // The apply waits for `go`, written once the faults are armed: a 1 s sleep left a window a busy
  // machine could miss (the result posted before them, the test passing without GitHub down).
  const go = join(stateDir, "down-go");
  const extra = `\nresource "terraform_data" "hook" {\n  provisioner "local-exec" {\n    command = "echo applied >> ${marker} && until [ -e ${go} ]; do sleep 0.05; done"\n  }\n}\n`;
  const repo = await h.sim.createRepo({ owner: "acme", name: "down", files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1, extra) } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  const before = botComments(h, repo, pr.number).length;
  await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
  await h.sim.waitFor(() => exists(marker));
  const failedBefore = failedPatches();
  h.sim.failNext({ method: "PATCH", pathPattern: /\/issues\/comments\/\d+$/, status: 502, times: 12 });
  await writeFile(go, "");
  await settle(h);
  expect(botComments(h, repo, pr.number)[before]?.body).toMatch(/applied/);
  // GitHub was down when the result was posted: every failure armed was met.
  expect(failedPatches() - failedBefore).toBe(12);
  expect((await readFile(marker, "utf8")).trim().split("\n")).toEqual(["applied"]);
});

it("a captured body replayed under an id shaped like a comment's act-once key does not silence that comment", async () => {
  h.sim.setPermission("acme/squat", "bob", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name: "squat", files: { "net/main.tf": tfProject("net") } });
  // Any signed body that queues a job will do: a push to the default branch queues a quiet one.
  const { delivery: push } = await h.sim.pushDefaultBranch(repo, { "README.md": "hello\n" });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  await settle(h);
  // The ids the next comments will get (GitHub's are sequential too), each taken as a delivery id.
  const next = Math.max(...h.sim.comments(repo, pr.number).map((c) => c.id)) + 1;
  const squatted = [0, 1, 2, 3].map((i) => `comment:${repo.id}:${next + i}`);
  for (const id of squatted) expect((await h.sim.redeliver(push.deliveryId, { asNewId: id })).status).toBe(400);
  await settle(h);
  // Control: the same body under another new id is taken (a push queues its job).
  expect((await h.sim.redeliver(push.deliveryId, { asNewId: "replayed-push" })).status).toBe(202);
  await settle(h);
  const before = botComments(h, repo, pr.number).length;
  const { commentId } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
  expect(squatted).toContain(`comment:${repo.id}:${commentId}`);
  expect(await nextReply(h, repo, pr.number, before)).toContain("net");
});
