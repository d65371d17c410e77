import { describe, expect, it } from "vitest";
import { askedBeforeHead } from "../../src/authorization/asked-before-head.js";
import type { SpecOf } from "../../src/model/job.js";

const pushedAt = "2026-11-27T11:00:05Z";
const store = { headPushedAt: async (_repo: string, _pr: number, sha: string) => (sha === "known" ? pushedAt : undefined) };
const apply = (commentAt?: string, trigger: "comment" | "merge" | "button" = "comment"): SpecOf<"apply"> => ({
  kind: "apply",
  trigger,
  actor: "alice",
  ...(commentAt ? { commentAt } : {}),
});
const pr = (headSha = "known") => ({ number: 3, headSha });

describe("askedBeforeHead: an /apply written before the head it would apply was pushed", () => {
  it("is one written before the push (GitHub's clock on both sides)", async () => {
    expect(await askedBeforeHead(store, apply("2026-11-27T11:00:04Z"), "acme/infra", pr())).toEqual({
      askedAt: "2026-11-27T11:00:04Z",
      pushedAt,
    });
  });

  it("control: written at or after the push, of a head no push of which was heard of, or not by a comment: none", async () => {
    expect(await askedBeforeHead(store, apply("2026-11-27T11:00:05Z"), "acme/infra", pr())).toBeUndefined();
    expect(await askedBeforeHead(store, apply("2026-11-27T11:09:00Z"), "acme/infra", pr())).toBeUndefined();
    expect(await askedBeforeHead(store, apply("2026-11-27T11:00:04Z"), "acme/infra", pr("opened-with"))).toBeUndefined();
    expect(await askedBeforeHead(store, apply(undefined), "acme/infra", pr())).toBeUndefined();
    expect(await askedBeforeHead(store, apply("2026-11-27T11:00:04Z", "merge"), "acme/infra", pr())).toBeUndefined();
    expect(await askedBeforeHead(store, apply("2026-11-27T11:00:04Z", "button"), "acme/infra", pr())).toBeUndefined();
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
    expect(await askedBeforeHead(store, state("2026-11-27T11:00:04Z"), "acme/infra", pr())).toEqual({
      askedAt: "2026-11-27T11:00:04Z",
      pushedAt,
    });
  });

  it("control: written at or after the push, of a head no push of which was heard of, or of unknown time: none", async () => {
    expect(await askedBeforeHead(store, state("2026-11-27T11:00:05Z"), "acme/infra", pr())).toBeUndefined();
    expect(await askedBeforeHead(store, state("2026-11-27T11:00:04Z"), "acme/infra", pr("opened-with"))).toBeUndefined();
    expect(await askedBeforeHead(store, state(undefined), "acme/infra", pr())).toBeUndefined();
  });
});
