import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

// GitHub's "approval of the most recent push": someone who pushed to another's pull request does
// not review their own push. Sluice's `approved` counts approvals by the same rule, on every road.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let n = 0;

const bot = (h: Harness, repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function completed(h: Harness, repo: Repo, sha: string, name = "sluice/plan") {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === name && c.status === "completed"), {
    message: `no completed ${name} on ${sha.slice(0, 7)}`,
    timeoutMs: 90_000,
  });
  return h.sim.checkRuns(repo, sha).find((c) => c.name === name && c.status === "completed") as ReturnType<
    Harness["sim"]["checkRuns"]
  >[number];
}

/** A repo whose project `net` alice's PR grows; alice, bob and carol may write. */
async function alicesPr(h: Harness) {
  n++;
  const state = join(h.stateDir, `last-push-${n}.tfstate`);
  const name = `last-push-${n}`;
  for (const u of ["alice", "bob", "carol"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow net" });
  await completed(h, repo, pr.headSha);
  return { repo, pr, state };
}

/** A push to the PR by `sender`, and its autoplan done. */
/**
 * Past the second of a push that just happened: GitHub's times are whole seconds, and an /apply
 * written in the head's second counts as written before it (the careful side of a tie), refused
 * for that. The tests write theirs later, so each tests what it names.
 */
async function pastPushSecond(): Promise<void> {
  const at = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) <= at) await new Promise((r) => setTimeout(r, 20));
}

async function push(h: Harness, pr: { repo: Repo; number: number; state: string }, count: number, sender: string) {
  const files = { "net/main.tf": statefulProject("net", pr.state, count) };
  const pushed = await h.sim.pushToPullRequest(pr.repo, pr.number, files, { sender });
  const past = pastPushSecond();
  await completed(h, pr.repo, pushed.headSha);
  await past;
  return pushed.headSha;
}

function audit(h: Harness, repo: Repo): { action: string; detail: string }[] {
  const sqlite = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare("SELECT action, detail FROM audit_events WHERE repo = ? ORDER BY id").all(repo.fullName) as {
      action: string;
      detail: string;
    }[];
  } finally {
    sqlite.close();
  }
}

/** The pushes Sluice keeps of a repository's pull requests: `pr:sha:pusher`. */
function headPushRows(h: Harness, repo: Repo): string[] {
  const sqlite = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    const rows = sqlite.prepare("SELECT pr, head_sha, pusher FROM head_pushes WHERE repo = ? ORDER BY pr, pusher").all(repo.fullName) as {
      pr: number;
      head_sha: string;
      pusher: string;
    }[];
    return rows.map((r) => `${r.pr}:${r.head_sha.slice(0, 7)}:${r.pusher}`);
  } finally {
    sqlite.close();
  }
}

async function comment(h: Harness, repo: Repo, pr: number, user: string, body: string) {
  return reply(h, repo, pr, () => h.sim.comment(repo, pr, { user, body }).then(() => undefined));
}

/** Sluice's finished reply to what `act` does (a comment, a click). */
async function reply(h: Harness, repo: Repo, pr: number, act: () => Promise<unknown>) {
  const before = bot(h, repo, pr).length;
  await act();
  await h.sim.waitFor(
    () => bot(h, repo, pr).length > before && /·\s*(✅|❌|⛔|⚠️)|Nothing to apply/.test(bot(h, repo, pr)[before]?.body ?? ""),
    { message: "no finished reply", timeoutMs: 90_000 },
  );
  // Mentions in Sluice's comments carry a zero-width space so that no one is notified.
  return (bot(h, repo, pr)[before]?.body ?? "").replaceAll("\u200b", "");
}

const RULE = "an approval of the most recent push must come from someone else";

describe("an approval of the most recent push, on /apply and /import", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: [approved]\napprovals: 1\n" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("bob pushes to alice's PR and approves it: /apply is refused, naming the rule; carol's approval applies", async () => {
    const { repo, pr, state } = await alicesPr(h);
    const head = await push(h, { repo, number: pr.number, state }, 2, "bob");
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await comment(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain("⛔");
    expect(reply).toContain(`@bob pushed the head commit ${head.slice(0, 7)}; ${RULE}`);
    expect(reply).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
    expect(await stateResources(state)).toEqual([]);
    // The gate's decision in the audit trail says why.
    expect(audit(h, repo).some((e) => e.action === "gate-refused" && e.detail.includes("@bob pushed the head commit"))).toBe(true);
    // Control: someone who did not push approves, and the apply goes through.
    await h.sim.approve(repo, pr.number, "carol");
    expect(await comment(h, repo, pr.number, "alice", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("bob pushes to alice's PR, renames his account and approves under the new login: still his push, refused; carol's applies", async () => {
    const { repo, pr, state } = await alicesPr(h);
    const head = await push(h, { repo, number: pr.number, state }, 2, "bob");
    // GitHub lets anyone rename their account at any time: same account, a login no push named.
    h.sim.renameUser("bob", "robert");
    await h.sim.approve(repo, pr.number, "robert");
    const reply = await comment(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain("⛔");
    expect(reply).toContain(`@robert pushed the head commit ${head.slice(0, 7)}; ${RULE}`);
    expect(await stateResources(state)).toEqual([]);
    // Control: someone else's approval of that push counts.
    await h.sim.approve(repo, pr.number, "carol");
    expect(await comment(h, repo, pr.number, "alice", "/apply")).toMatch(/applied/i);
  });

  it("control: bob pushed an earlier commit, alice pushed the head: bob's approval counts", async () => {
    const { repo, pr, state } = await alicesPr(h);
    await push(h, { repo, number: pr.number, state }, 3, "bob");
    await push(h, { repo, number: pr.number, state }, 2, "alice");
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(h, repo, pr.number, "alice", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("a head no push event announced: GitHub's activity of the branch names bob as its pusher, and his approval does not count", async () => {
    const { repo, pr, state } = await alicesPr(h);
    h.sim.setWebhookTarget("http://127.0.0.1:9"); // bob's push's webhook is lost
    const files = { "net/main.tf": statefulProject("net", state, 2) };
    const pushed = await h.sim.pushToPullRequest(repo, pr.number, files, { sender: "bob" });
    await pastPushSecond();
    h.sim.setWebhookTarget(h.app.url);
    await comment(h, repo, pr.number, "alice", "/plan");
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await comment(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain(`@bob pushed the head commit ${pushed.headSha.slice(0, 7)}; ${RULE}`);
    expect(await stateResources(state)).toEqual([]);
    // Kept as a heard push is.
    expect(headPushRows(h, repo)).toContain(`${pr.number}:${pushed.headSha.slice(0, 7)}:bob`);
    // Control: a reviewer who did not push counts.
    await h.sim.approve(repo, pr.number, "carol");
    expect(await comment(h, repo, pr.number, "alice", "/apply")).toMatch(/applied/i);
  });

  it("a head no push event announced, on a GitHub without the activity endpoint: its commit's author stands in, and is told so", async () => {
    const { repo, pr, state } = await alicesPr(h);
    h.sim.setWebhookTarget("http://127.0.0.1:9"); // bob's push's webhook is lost
    const files = { "net/main.tf": statefulProject("net", state, 2) };
    const pushed = await h.sim.pushToPullRequest(repo, pr.number, files, { sender: "bob", commitBy: "bob" });
    await pastPushSecond();
    h.sim.setWebhookTarget(h.app.url);
    h.sim.serveWithoutActivity(true);
    try {
      await comment(h, repo, pr.number, "alice", "/plan");
      await h.sim.approve(repo, pr.number, "bob");
      const reply = await comment(h, repo, pr.number, "alice", "/apply");
      const sha = pushed.headSha.slice(0, 7);
      expect(reply).toContain(
        `no push of the head commit ${sha} was heard of, so its author and committer stand in for its pusher: @bob; ${RULE}`,
      );
      expect(await stateResources(state)).toEqual([]);
      // Control: a reviewer who neither pushed nor wrote the commit counts.
      await h.sim.approve(repo, pr.number, "carol");
      expect(await comment(h, repo, pr.number, "alice", "/apply")).toMatch(/applied/i);
    } finally {
      h.sim.serveWithoutActivity(false);
    }
  });

  it("a second PR of the same branch: alice's push to it was heard on her own PR, so her approval of bob's PR does not count", async () => {
    const { repo, pr, state } = await alicesPr(h);
    // alice pushes her change (GitHub matches her commit's e-mail to no account: no stand-in).
    const head = await push(h, { repo, number: pr.number, state }, 2, "alice");
    // alice closes hers; bob opens another from the same branch: GitHub sent it no synchronize.
    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    const other = await h.sim.openPullRequest(repo, { head: "grow", author: "bob", title: "grow net too" });
    expect(other.headSha).toBe(head);
    await h.sim.waitFor(() => bot(h, repo, other.number).some((c) => /Sluice plan for .*· ✅/.test(c.body)), {
      message: "no plan of bob's PR",
      timeoutMs: 90_000,
    });
    await h.sim.approve(repo, other.number, "alice");
    const reply = await comment(h, repo, other.number, "bob", "/apply");
    expect(reply).toContain(`@alice pushed the head commit ${head.slice(0, 7)}; ${RULE}`);
    expect(await stateResources(state)).toEqual([]);
    // Control: carol, who pushed nothing, approves bob's PR, and it applies.
    await h.sim.approve(repo, other.number, "carol");
    expect(await comment(h, repo, other.number, "bob", "/apply")).toMatch(/applied/i);
  });

  it("a push to a draft (no plan, no job) is still known: bob's approval after the PR is ready does not count", async () => {
    n++;
    const state = join(h.stateDir, `last-push-${n}.tfstate`);
    const name = `last-push-${n}`;
    for (const u of ["alice", "bob", "carol"]) h.sim.setPermission(`acme/${name}`, u, "write");
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", draft: true });
    // The draft gets no autoplan: the push's event makes no job, yet who pushed is kept.
    const pushed = await h.sim.pushToPullRequest(repo, pr.number, { "net/main.tf": statefulProject("net", state, 2) }, { sender: "bob" });
    await pastPushSecond();
    await h.sim.markReadyForReview(repo, pr.number, { user: "alice" });
    await completed(h, repo, pushed.headSha);
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await comment(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain(`@bob pushed the head commit ${pushed.headSha.slice(0, 7)}; ${RULE}`);
    expect(await stateResources(state)).toEqual([]);
  });

  it("the Apply button clicked by bob on the check of the head he pushed: refused the same way", async () => {
    const { repo, pr, state } = await alicesPr(h);
    const head = await push(h, { repo, number: pr.number, state }, 2, "bob");
    await h.sim.approve(repo, pr.number, "bob");
    const check = await completed(h, repo, head);
    const clicked = await reply(h, repo, pr.number, () => h.sim.clickCheckAction(repo, check.id, "apply", "bob"));
    expect(clicked).toContain(`@bob pushed the head commit ${head.slice(0, 7)}; ${RULE}`);
    expect(await stateResources(state)).toEqual([]);
  });

  // A state change is an apply at the gate: the same rule holds.
  it("bob pushes to alice's PR and approves it: /import is refused, naming the rule; carol's approval imports", async () => {
    const { repo, pr, state } = await alicesPr(h);
    const head = await push(h, { repo, number: pr.number, state }, 2, "bob");
    await h.sim.approve(repo, pr.number, "bob");
    const refused = await comment(h, repo, pr.number, "alice", "/import -d net terraform_data.net_0 existing-id");
    expect(refused).toContain(`@bob pushed the head commit ${head.slice(0, 7)}; ${RULE}`);
    expect(await stateResources(state)).toEqual([]);
    await h.sim.approve(repo, pr.number, "carol");
    expect(await comment(h, repo, pr.number, "alice", "/import -d net terraform_data.net_0 existing-id")).toContain("✅ done");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });
});

describe("an approval of the most recent push, on apply on merge", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_on: merge\napply_requirements: [approved]\n" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("bob pushes to alice's PR, approves it and merges it: nothing is applied, and the PR is told why", async () => {
    const { repo, pr, state } = await alicesPr(h);
    const head = await push(h, { repo, number: pr.number, state }, 2, "bob");
    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    expect((await completed(h, repo, head, "sluice/apply")).conclusion).toBe("failure");
    expect(await stateResources(state)).toEqual([]);
    await h.sim.waitFor(
      () => bot(h, repo, pr.number).some((c) => c.body.replaceAll("\u200b", "").includes(`@bob pushed the head commit`)),
      {
        message: "no reply naming the pusher",
        timeoutMs: 60_000,
      },
    );
    expect(audit(h, repo).some((e) => e.action === "gate-refused" && e.detail.startsWith("road: merge") && e.detail.includes(RULE))).toBe(
      true,
    );
  });

  it("control: carol approves bob's push, and the merge applies it", async () => {
    const { repo, pr, state } = await alicesPr(h);
    const head = await push(h, { repo, number: pr.number, state }, 2, "bob");
    await h.sim.approve(repo, pr.number, "carol");
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    expect((await completed(h, repo, head, "sluice/apply")).conclusion).toBe("success");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  // No decision needs a merged pull request's pushes again (it cannot be reopened, its plans are
  // gone): kept, the table would grow with every push Sluice ever heard of.
  it("a merged pull request's head pushes are forgotten once it is cleaned up (control: an open one's stay)", async () => {
    const merged = await alicesPr(h);
    const open = await alicesPr(h);
    const head = await push(h, { repo: merged.repo, number: merged.pr.number, state: merged.state }, 2, "bob");
    const kept = await push(h, { repo: open.repo, number: open.pr.number, state: open.state }, 2, "bob");
    expect(headPushRows(h, merged.repo)).toEqual([`${merged.pr.number}:${head.slice(0, 7)}:bob`]);
    await h.sim.approve(merged.repo, merged.pr.number, "carol");
    await h.sim.mergePullRequest(merged.repo, merged.pr.number, { user: "bob" });
    expect((await completed(h, merged.repo, head, "sluice/apply")).conclusion).toBe("success");
    await h.sim.waitFor(() => headPushRows(h, merged.repo).length === 0, {
      message: `the merged PR's pushes are still kept: ${JSON.stringify(headPushRows(h, merged.repo))}`,
      timeoutMs: 30_000,
    });
    expect(headPushRows(h, open.repo)).toEqual([`${open.pr.number}:${kept.slice(0, 7)}:bob`]);
  });
});
