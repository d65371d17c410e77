import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { storeRows } from "../support/previews.js";
import { bot, completed, nextSecond, say, seedState } from "./trust-holes-support.js";

// Issue #10, items 2 and 5: commands that create or discard plans or locks need write access, and
// what an apply (or a merge) applies is only what the PR's approvals covered.

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "sluice-trust-authz-"));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function grant(h: Harness, name: string) {
  for (const [u, role] of [
    ["alice", "write"],
    ["bob", "write"],
    ["carol", "write"],
    ["rita", "read"],
  ] as const) {
    h.sim.setPermission(`acme/${name}`, u, role);
  }
}

/** A repo with stateful projects `app` (empty) and `prod` (one resource), and an open PR that grows only app. */
async function appOnlyPr(h: Harness, name: string, opts: { prodApplied: boolean }) {
  grant(h, name);
  const appState = join(stateDir, `${name}-app.tfstate`);
  const prodState = join(stateDir, `${name}-prod.tfstate`);
  const prodTf = statefulProject("prod", prodState, 1);
  if (opts.prodApplied) await seedState(prodTf);
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { "app/main.tf": statefulProject("app", appState, 0), "prod/main.tf": prodTf },
  });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "app/main.tf": statefulProject("app", appState, 1) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow app" });
  expect((await completed(h, repo, pr.headSha, "sluice/plan")).conclusion).toBe("success");
  return { repo, pr, appState, prodState };
}

describe("issue #10.2 with apply on merge: a stranger's plan is never applied by the merge", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_on: merge\napply_requirements: [approved]\n", env: { SLUICE_SANDBOX_PATHS: stateDir } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("a read user's `/plan -p prod -- -destroy` is refused; the merge applies app and leaves prod alone", async () => {
    const { repo, pr, appState, prodState } = await appOnlyPr(h, "stranger-destroy", { prodApplied: true });
    expect(await stateResources(prodState)).toEqual(["terraform_data.prod_0"]);
    await nextSecond();
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await say(h, repo, pr.number, "rita", "/plan -p prod -- -destroy", "needs write access to this repository to plan");
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    await completed(h, repo, pr.headSha, "sluice/apply");
    expect(await stateResources(prodState), reply).toEqual(["terraform_data.prod_0"]);
    expect(reply).toContain("needs write access to this repository to plan");
    expect(await stateResources(appState)).toEqual(["terraform_data.app_0"]);
  });
});

describe("issue #10.2 with /apply: approvals count only for plans they saw", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: [approved]\n", env: { SLUICE_SANDBOX_PATHS: stateDir } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("a project the PR does not change applies only with approvals given after its plan (as Atlantis applies `-p staging`)", async () => {
    const { repo, pr, appState, prodState } = await appOnlyPr(h, "untouched-project", { prodApplied: false });
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    await nextSecond();
    await say(h, repo, pr.number, "bob", "/plan -p prod");
    const early = await say(h, repo, pr.number, "bob", "/apply -p prod");
    expect(await stateResources(prodState), early).toEqual([]);
    expect(early).toContain("approved before this plan was made");

    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    const reply = await say(h, repo, pr.number, "bob", "/apply");
    expect(await stateResources(prodState), reply).toEqual(["terraform_data.prod_0"]);
    expect(await stateResources(appState)).toEqual(["terraform_data.app_0"]);
  });

  it("an approval survives a re-plan that changes nothing; a plan with other changes needs a new one, and says what changed", async () => {
    const { repo, pr, appState } = await appOnlyPr(h, "approval-before-plan", { prodApplied: false });
    await nextSecond();
    await h.sim.approve(repo, pr.number, "bob");
    await nextSecond();
    // Same head, a new plan with the same changes: the approval above still covers it.
    await say(h, repo, pr.number, "bob", "/plan");
    const applied = await say(h, repo, pr.number, "carol", "/apply");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(appState)).toEqual(["terraform_data.app_0"]);
  });
});

describe("issue #10.5: a stranger's /unlock", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: [approved]\n", env: { SLUICE_SANDBOX_PATHS: stateDir } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("a read user cannot release an approved PR's lock: the lock holds and the PR still applies", async () => {
    const { repo, pr, appState } = await appOnlyPr(h, "stranger-unlock", { prodApplied: false });
    await nextSecond();
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await say(h, repo, pr.number, "rita", "/unlock", "needs write access to this repository to unlock");

    // Another PR on app is still told who holds it.
    await h.sim.pushBranch(repo, { branch: "other", from: "main", files: { "app/other.tf": tfProject("other") } });
    const other = await h.sim.openPullRequest(repo, { head: "other", author: "carol", title: "other" });
    await completed(h, repo, other.headSha, "sluice/plan");
    // The renderer puts a zero-width space after `#` so GitHub does not turn it into a link by itself.
    const otherBody = (bot(h, repo, other.number)[0]?.body ?? "").replace(/\u200b/g, "");

    const applied = await say(h, repo, pr.number, "bob", "/apply");
    expect(reply).toContain("needs write access to this repository to unlock");
    expect(otherBody).toContain(`locked by #${pr.number}`);
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(appState)).toEqual(["terraform_data.app_0"]);
  });

  it("a read author's pull request is not autoplanned and locks nothing; a writer's on the same project plans; a writer's /plan on it does", async () => {
    grant(h, "reader-autoplan");
    const appState = join(stateDir, "reader-autoplan-app.tfstate");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "reader-autoplan",
      files: { "app/main.tf": statefulProject("app", appState, 0) },
    });
    await h.sim.pushBranch(repo, { branch: "theirs", files: { "app/main.tf": statefulProject("app", appState, 1) } });
    const theirs = await h.sim.openPullRequest(repo, { head: "theirs", author: "rita", title: "a reader's change" });
    const told = () => (bot(h, repo, theirs.number)[0]?.body ?? "").replace(/\u200b/g, "");
    await h.sim.waitFor(() => told().includes("Not planned automatically"), { message: "the reader's PR was not told", timeoutMs: 60_000 });
    expect(told()).toContain("Not planned automatically: @rita needs write access to this repository to plan (has read access)");
    expect(told()).toContain("Nothing is locked");
    expect(storeRows(h, "SELECT pr FROM locks WHERE repo = ?", repo.fullName)).toEqual([]);

    // A writer's pull request on the same project is planned, not told it is locked.
    await h.sim.pushBranch(repo, { branch: "mine", from: "main", files: { "app/mine.tf": tfProject("mine") } });
    const mine = await h.sim.openPullRequest(repo, { head: "mine", author: "carol", title: "a writer's change" });
    expect((await completed(h, repo, mine.headSha, "sluice/plan")).conclusion).toBe("success");
    expect((bot(h, repo, mine.number)[0]?.body ?? "").replace(/\u200b/g, "")).not.toContain("locked by");

    // Control: a writer may still plan the reader's pull request, by asking; then the lock is the writer's doing.
    await say(h, repo, mine.number, "carol", "/unlock");
    const planned = await say(h, repo, theirs.number, "alice", "/plan");
    expect(planned).toMatch(/planned/);
    expect(storeRows(h, "SELECT pr FROM locks WHERE repo = ?", repo.fullName)).toEqual([{ pr: theirs.number }]);
  });
});
