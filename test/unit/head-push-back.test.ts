import { describe, expect, it, vi } from "vitest";
import { askedBeforeHead } from "../../src/authorization/asked-before-head.js";
import { headPushFacts } from "../../src/authorization/head-push-facts.js";
import { pushedHead } from "../../src/model/head-push.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";

// A head pushed (heard), moved away (heard), then force-pushed back to it by someone else whose
// `synchronize` Sluice did not hear (lost, or not delivered yet): the push heard first is not the
// head's latest push, and the one who pushed it back must not approve it, nor a command written
// before the push back act on it.

const X = "a".repeat(40);
const Y = "b".repeat(40);
const repo = { owner: "acme", name: "infra" };
const pr = { number: 7, headSha: X, headRef: "grow", headRepo: "acme/infra" };
const T0 = "2026-11-27T10:00:00Z";
const T1 = "2026-11-27T10:05:00Z";
const T3 = "2026-11-27T10:15:00Z";

async function pushedAwayAndBack() {
  const deps = await fakeJobDeps();
  await deps.store.recordHeadPush("acme/infra", 7, X, "alice", T0, 41);
  await deps.store.recordHeadPush("acme/infra", 7, Y, "alice", T1, 41);
  // mallory force-pushed the branch back to X: GitHub's activity lists it, no synchronize came.
  deps.vcs.branchPushes.set(`grow@${X}`, {
    pushers: [
      { login: "mallory", id: 66 },
      { login: "alice", id: 41 },
    ],
    pushedAt: T3,
  });
  return deps;
}

describe("a head pushed back without Sluice hearing it", () => {
  it("its pusher (from the branch's activity) is a pusher: their approval does not count", async () => {
    const deps = await pushedAwayAndBack();
    const push = await headPushFacts(deps.store, deps.vcs, repo, pr, ["mallory"]);
    expect(pushedHead(push, "mallory", 66)).toBe(true);
    expect(pushedHead(push, "alice", 41)).toBe(true);
  });

  it("an /apply written after the first push but before the push back is one written before the head", async () => {
    const deps = await pushedAwayAndBack();
    const spec = { kind: "apply" as const, trigger: "comment" as const, actor: "carol", commentAt: "2026-11-27T10:10:00Z" };
    expect(await askedBeforeHead(deps.store, deps.vcs, spec, repo, pr)).toEqual({ askedAt: spec.commentAt, pushedAt: T3 });
  });

  it("control: a head whose push heard last is its own is not asked again of GitHub; another approves", async () => {
    const deps = await fakeJobDeps();
    await deps.store.recordHeadPush("acme/infra", 7, Y, "alice", T0, 41);
    await deps.store.recordHeadPush("acme/infra", 7, X, "alice", T1, 41);
    const activity = vi.spyOn(deps.vcs, "branchPushesOf");
    const push = await headPushFacts(deps.store, deps.vcs, repo, pr, ["bob"]);
    expect(push).toEqual({ sha: X, known: true, pushers: ["alice"], pusherIds: [41] });
    expect(pushedHead(push, "bob", 42)).toBe(false);
    const spec = { kind: "apply" as const, trigger: "comment" as const, actor: "bob", commentAt: "2026-11-27T10:10:00Z" };
    expect(await askedBeforeHead(deps.store, deps.vcs, spec, repo, pr)).toBeUndefined();
    expect(activity).not.toHaveBeenCalled();
  });

  it("control: pushed away and back, the activity names only the first pusher: another's approval counts", async () => {
    const deps = await fakeJobDeps();
    await deps.store.recordHeadPush("acme/infra", 7, X, "alice", T0, 41);
    await deps.store.recordHeadPush("acme/infra", 7, Y, "alice", T1, 41);
    deps.vcs.branchPushes.set(`grow@${X}`, { pushers: [{ login: "alice", id: 41 }], pushedAt: T3 });
    const push = await headPushFacts(deps.store, deps.vcs, repo, pr, ["bob"]);
    expect(pushedHead(push, "bob", 42)).toBe(false);
    expect(pushedHead(push, "alice", 41)).toBe(true);
  });

  it("two heads heard pushed in one second: GitHub's activity is read once, not on every approval", async () => {
    const deps = await fakeJobDeps();
    await deps.store.recordHeadPush("acme/infra", 7, Y, "alice", T0, 41);
    await deps.store.recordHeadPush("acme/infra", 7, X, "alice", T0, 41);
    deps.vcs.branchPushes.set(`grow@${X}`, { pushers: [{ login: "alice", id: 41 }], pushedAt: T0 });
    const activity = vi.spyOn(deps.vcs, "branchPushesOf");
    for (let i = 0; i < 3; i++) {
      const push = await headPushFacts(deps.store, deps.vcs, repo, pr, ["bob"]);
      expect(pushedHead(push, "bob", 42)).toBe(false);
      expect(pushedHead(push, "alice", 41)).toBe(true);
    }
    const spec = { kind: "apply" as const, trigger: "comment" as const, actor: "bob", commentAt: "2026-11-27T10:10:00Z" };
    expect(await askedBeforeHead(deps.store, deps.vcs, spec, repo, pr)).toBeUndefined();
    expect(activity).toHaveBeenCalledTimes(1);
  });

  it("control: pushed back in the same second as the head it left, by mallory: read, and her approval does not count", async () => {
    const deps = await fakeJobDeps();
    await deps.store.recordHeadPush("acme/infra", 7, X, "alice", T0, 41);
    await deps.store.recordHeadPush("acme/infra", 7, Y, "alice", T1, 41);
    deps.vcs.branchPushes.set(`grow@${X}`, { pushers: [{ login: "mallory", id: 66 }], pushedAt: T1 });
    for (let i = 0; i < 2; i++)
      expect(pushedHead(await headPushFacts(deps.store, deps.vcs, repo, pr, ["mallory"]), "mallory", 66)).toBe(true);
    // A command written in the second of the push back is not taken as written after it.
    const spec = { kind: "apply" as const, trigger: "comment" as const, actor: "bob", commentAt: T1 };
    expect(await askedBeforeHead(deps.store, deps.vcs, spec, repo, pr)).toMatchObject({ askedAt: T1 });
  });

  it("control: the activity lists no push back yet (its move to the head is older): asked again, and mallory then found", async () => {
    const deps = await fakeJobDeps();
    await deps.store.recordHeadPush("acme/infra", 7, X, "alice", T0, 41);
    await deps.store.recordHeadPush("acme/infra", 7, Y, "alice", T1, 41);
    deps.vcs.branchPushes.set(`grow@${X}`, { pushers: [{ login: "alice", id: 41 }], pushedAt: T0 });
    expect(pushedHead(await headPushFacts(deps.store, deps.vcs, repo, pr, ["mallory"]), "mallory", 66)).toBe(false);
    deps.vcs.branchPushes.set(`grow@${X}`, { pushers: [{ login: "mallory", id: 66 }], pushedAt: T3 });
    expect(pushedHead(await headPushFacts(deps.store, deps.vcs, repo, pr, ["mallory"]), "mallory", 66)).toBe(true);
  });
});
