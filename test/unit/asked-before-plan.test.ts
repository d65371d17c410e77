import { describe, expect, it } from "vitest";
import { askedBeforePlan } from "../../src/authorization/asked-before-plan.js";
import type { JobWith, SpecOf } from "../../src/model/job.js";

const plannedAt = "2026-11-27T11:00:05.500Z";
/** Plan jobs by who asked for them: 1 bob's `/plan -- -var …`, 2 alice's own. */
const store = { getJob: async (id: number) => ({ spec: { actor: id === 1 ? "bob" : "Alice" } }) } as never;
const apply = (
  commentAt: string | undefined,
  createdAt = "2026-11-27T11:09:00Z",
  trigger: "comment" | "merge" | "button" = "comment",
): JobWith<SpecOf<"apply">> =>
  ({
    id: 9,
    createdAt,
    spec: { kind: "apply", trigger, actor: "alice", ...(commentAt ? { commentAt } : {}) },
  }) as JobWith<SpecOf<"apply">>;

describe("askedBeforePlan: an /apply written before another made the plan it would apply", () => {
  it("is one whose comment (or job) is surely older than another's plan", async () => {
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:04Z"), { createdAt: plannedAt, jobId: 1 })).toEqual({
      askedAt: "2026-11-27T11:00:04Z",
      plannedAt,
      by: "bob",
    });
    // Queued before the plan was made (its job stored first), whatever its comment's time.
    expect(await askedBeforePlan(store, apply(undefined, "2026-11-27T11:00:05Z"), { createdAt: plannedAt, jobId: 1 })).toMatchObject({
      by: "bob",
    });
  });

  it("control: written after the plan or in its second, the writer's own plan, or not a comment: none", async () => {
    const plan = { createdAt: plannedAt, jobId: 1 };
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:06Z"), plan)).toBeUndefined();
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:05Z"), plan)).toBeUndefined();
    expect(await askedBeforePlan(store, apply(undefined), plan)).toBeUndefined();
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:04Z"), { createdAt: plannedAt, jobId: 2 })).toBeUndefined();
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:04Z", undefined, "merge"), plan)).toBeUndefined();
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:04Z", undefined, "button"), plan)).toBeUndefined();
  });

  it("a drift issue's /apply too: written before a newer check's plan, it is one (control: after it, none)", async () => {
    const driftApply = (commentAt: string): JobWith<SpecOf<"drift-apply">> =>
      ({
        id: 10,
        createdAt: "2026-11-27T11:09:00Z",
        spec: { kind: "drift-apply", actor: "alice", commentId: 1, command: { kind: "apply", filter: {} }, commentAt },
      }) as JobWith<SpecOf<"drift-apply">>;
    const plan = { createdAt: plannedAt, jobId: 1 };
    expect(await askedBeforePlan(store, driftApply("2026-11-27T11:00:04Z"), plan)).toMatchObject({ by: "bob" });
    expect(await askedBeforePlan(store, driftApply("2026-11-27T11:00:07Z"), plan)).toBeUndefined();
  });
});
