import { describe, expect, it } from "vitest";
import { askedBeforeHead } from "../../src/authorization/asked-before-head.js";
import type { SpecOf } from "../../src/model/job.js";

const pushedAt = "2026-11-27T11:00:05Z";
const recorded: string[] = [];
const store = {
  headPushedAt: async (_repo: string, _pr: number, sha: string) => (sha === "known" ? pushedAt : undefined),
  recordHeadPush: async (_repo: string, pr: number, sha: string, pusher: string) => void recorded.push(`${pr}:${sha}:${pusher}`),
  headMovedAwaySince: async () => false,
  otherHeadPushedAt: async () => undefined,
};
// GitHub's activity of the head branch: lists the move to `lost-event` only (its synchronize never came).
const vcs = {
  branchPushesOf: async (_repo: unknown, _branch: string, sha: string) =>
    sha === "lost-event" ? { pushers: [{ login: "bob", id: 7 }], pushedAt } : undefined,
};
const REPO = { owner: "acme", name: "infra" };
const apply = (commentAt?: string, trigger: "comment" | "merge" | "button" = "comment"): SpecOf<"apply"> => ({
  kind: "apply",
  trigger,
  actor: "alice",
  ...(commentAt ? { commentAt } : {}),
});
const pr = (headSha = "known", headRepo = "acme/infra") => ({ number: 3, headSha, headRef: "grow", headRepo });

describe("askedBeforeHead: an /apply written before the head it would apply was pushed", () => {
  it("is one written before the push (GitHub's clock on both sides)", async () => {
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:00:04Z"), REPO, pr())).toEqual({
      askedAt: "2026-11-27T11:00:04Z",
      pushedAt,
    });
  });

  it("control: written at or after the push, of a head no push of which was heard of, or not by a comment: none", async () => {
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:00:05Z"), REPO, pr())).toBeUndefined();
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:09:00Z"), REPO, pr())).toBeUndefined();
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:00:04Z"), REPO, pr("opened-with"))).toBeUndefined();
    expect(await askedBeforeHead(store, vcs, apply(undefined), REPO, pr())).toBeUndefined();
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:00:04Z", "merge"), REPO, pr())).toBeUndefined();
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:00:04Z", "button"), REPO, pr())).toBeUndefined();
  });
});

describe("askedBeforeHead: a head whose push Sluice never heard of", () => {
  it("is read from GitHub's activity of the head branch, and kept: an /apply written before it is one", async () => {
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:00:04Z"), REPO, pr("lost-event"))).toEqual({
      askedAt: "2026-11-27T11:00:04Z",
      pushedAt,
    });
    expect(recorded).toContain("3:lost-event:bob");
  });

  it("control: written after it, or a fork's head (the base repository's activity is not the fork's): none", async () => {
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:00:06Z"), REPO, pr("lost-event"))).toBeUndefined();
    expect(await askedBeforeHead(store, vcs, apply("2026-11-27T11:00:04Z"), REPO, pr("lost-event", "mallory/infra"))).toBeUndefined();
  });
});

describe("askedBeforeHead: a state command (/import, /state rm, /state push-errored) written before the head it would change was pushed", () => {
  const state = (commentAt?: string): SpecOf<"state"> => ({
    kind: "state",
    command: { kind: "import", filter: {}, address: "a.b", id: "x" },
    commentId: 1,
    actor: "alice",
    ...(commentAt ? { commentAt } : {}),
  });

  it("is one written before the push", async () => {
    expect(await askedBeforeHead(store, vcs, state("2026-11-27T11:00:04Z"), REPO, pr())).toEqual({
      askedAt: "2026-11-27T11:00:04Z",
      pushedAt,
    });
  });

  it("control: written at or after the push, of a head no push of which was heard of, or of unknown time: none", async () => {
    expect(await askedBeforeHead(store, vcs, state("2026-11-27T11:00:05Z"), REPO, pr())).toBeUndefined();
    expect(await askedBeforeHead(store, vcs, state("2026-11-27T11:00:04Z"), REPO, pr("opened-with"))).toBeUndefined();
    expect(await askedBeforeHead(store, vcs, state(undefined), REPO, pr())).toBeUndefined();
  });
});
