import { describe, expect, it, vi } from "vitest";
import { headCodeUsers, headPushFacts } from "../../src/authorization/head-push-facts.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";

// Who pushed a head: heard from `synchronize`, else GitHub's repository activity of the head
// branch, else the commit's author and committer standing in.

const HEAD = "e".repeat(40);
const repo = { owner: "acme", name: "infra" };
const pr = { number: 7, headSha: HEAD, headRef: "grow", headRepo: "acme/infra" };
const AT = "2026-11-27T10:00:00Z";

describe("headPushFacts", () => {
  it("a push heard from synchronize is the pusher: GitHub is not asked", async () => {
    const deps = await fakeJobDeps();
    await deps.store.recordHeadPush("acme/infra", 7, HEAD, "bob", AT, 42);
    const activity = vi.spyOn(deps.vcs, "branchPushesOf");
    expect(await headPushFacts(deps.store, deps.vcs, repo, pr, ["bob"])).toEqual({
      sha: HEAD,
      known: true,
      pushers: ["bob"],
      pusherIds: [42],
    });
    expect(activity).not.toHaveBeenCalled();
  });

  it("none heard: the branch's activity names bob, who is the pusher then, kept with the push's time", async () => {
    const deps = await fakeJobDeps();
    deps.vcs.commitLogins.set(HEAD, ["alice"]);
    deps.vcs.branchPushes.set(`grow@${HEAD}`, { pushers: [{ login: "bob", id: 42 }], pushedAt: AT });
    expect(await headPushFacts(deps.store, deps.vcs, repo, pr, ["bob"])).toEqual({
      sha: HEAD,
      known: true,
      pushers: ["bob"],
      pusherIds: [42],
    });
    // Kept as a heard push is: the next look, and the check of a command written before the push, read it.
    expect(await deps.store.headPushers("acme/infra", 7, HEAD)).toEqual(["bob"]);
    expect(Date.parse((await deps.store.headPushedAt("acme/infra", 7, HEAD)) ?? "")).toBe(Date.parse(AT));
  });

  it("none heard and no activity of it: the commit's author and committer stand in", async () => {
    const deps = await fakeJobDeps();
    deps.vcs.commitLogins.set(HEAD, ["alice"]);
    expect(await headPushFacts(deps.store, deps.vcs, repo, pr, ["bob"])).toEqual({ sha: HEAD, known: false, standIns: ["alice"] });
  });

  it("a fork's head branch: the base repository's activity is not asked (a branch of the same name there is another)", async () => {
    const deps = await fakeJobDeps();
    deps.vcs.branchPushes.set(`grow@${HEAD}`, { pushers: [{ login: "carol", id: 43 }], pushedAt: AT });
    deps.vcs.commitLogins.set(HEAD, ["mallory"]);
    const fork = { ...pr, headRepo: "mallory/infra" };
    expect(await headPushFacts(deps.store, deps.vcs, repo, fork, ["carol"])).toEqual({ sha: HEAD, known: false, standIns: ["mallory"] });
  });

  it("no approval that could count: nothing is asked", async () => {
    const deps = await fakeJobDeps();
    const activity = vi.spyOn(deps.vcs, "branchPushesOf");
    const commits = vi.spyOn(deps.vcs, "commitUsers");
    expect(await headPushFacts(deps.store, deps.vcs, repo, pr, [])).toEqual({ sha: HEAD, known: false, standIns: [] });
    expect(activity).not.toHaveBeenCalled();
    expect(commits).not.toHaveBeenCalled();
  });
});

describe("headPushFacts: another pull request's push of the same commit", () => {
  it("does not stand in for the activity of this PR's branch: the one who moved it there is a pusher too", async () => {
    const deps = await fakeJobDeps();
    // mallory pushed the same commit as the head of her own PR (from a fork: anyone can); bob
    // pushed it to this PR's branch before the PR was opened (no synchronize), and approves.
    await deps.store.recordHeadPush("acme/infra", 8, HEAD, "mallory", AT, 66);
    deps.vcs.branchPushes.set(`grow@${HEAD}`, { pushers: [{ login: "bob", id: 42 }], pushedAt: AT });
    const push = await headPushFacts(deps.store, deps.vcs, repo, pr, ["bob"]);
    expect(push).toMatchObject({ known: true });
    expect(push.known && push.pushers).toEqual(expect.arrayContaining(["bob", "mallory"]));
    expect(push.known && push.pusherIds).toEqual(expect.arrayContaining([42, 66]));
  });

  it("control: two PRs of one branch, the activity unread (none listed): the other PR's pusher is this head's", async () => {
    const deps = await fakeJobDeps();
    await deps.store.recordHeadPush("acme/infra", 8, HEAD, "dave", AT, 44);
    deps.vcs.commitLogins.set(HEAD, ["alice"]);
    expect(await headPushFacts(deps.store, deps.vcs, repo, pr, ["carol"])).toEqual({
      sha: HEAD,
      known: true,
      pushers: ["dave"],
      pusherIds: [44],
    });
  });
});

describe("headCodeUsers: whose code a head Sluice plans itself is", () => {
  it("a fork's head no push of which was heard: its author and the commit's, not GitHub's web committer; control: another committer is asked", async () => {
    const deps = await fakeJobDeps();
    const fork = { ...pr, headRepo: "carol/infra", author: "carol", authorId: 3 };
    deps.vcs.commitLogins.set(HEAD, ["carol", "web-flow"]);
    expect(await headCodeUsers(deps.store, deps.vcs, repo, fork)).toEqual([{ login: "carol", id: 3 }]);
    deps.vcs.commitLogins.set(HEAD, ["carol", "mallory"]);
    // A stand-in is known by login only: no account id to match a setting by.
    expect(await headCodeUsers(deps.store, deps.vcs, repo, fork)).toEqual([{ login: "carol", id: 3 }, { login: "mallory" }]);
  });
});
