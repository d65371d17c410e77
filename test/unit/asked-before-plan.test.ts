import { describe, expect, it } from "vitest";
import { askedBeforePlan } from "../../src/authorization/asked-before-plan.js";
import type { JobWith, SpecOf } from "../../src/model/job.js";
import type { PlanRecord } from "../../src/store/store.js";

const plannedAt = "2026-11-27T11:00:05.500Z";
const change = (input: string) => ({
  resources: [{ address: "terraform_data.x", action: "update" as const }],
  outputs: [],
  changeHashes: { "terraform_data.x": input },
});
/** A plan of net at head h1, made at `createdAt` by job `jobId`, changing terraform_data.x to `input`. */
const planOf = (id: number, createdAt: string, jobId = 1, input = "a"): PlanRecord =>
  ({
    id,
    repo: "acme/infra",
    pr: 7,
    project: "net",
    dir: "net",
    workspace: "default",
    headSha: "h1",
    baseSha: "b1",
    createdAt,
    jobId,
    summary: change(input),
  }) as never;
/** Plan jobs by who asked for them: 1 bob's `/plan -- -var …`, 2 alice's own; `history`: the project's plans of that head. */
const storeWith = (history: PlanRecord[] = []) =>
  ({
    getJob: async (id: number) => ({ spec: { actor: id === 2 ? "Alice" : "bob" } }),
    planHistory: async () => history,
    resultOf: async () => undefined,
  }) as never;
const store = storeWith();
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
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:04Z"), planOf(5, plannedAt, 1))).toEqual({
      askedAt: "2026-11-27T11:00:04Z",
      plannedAt,
      by: "bob",
    });
    // Queued before the plan was made (its job stored first), whatever its comment's time.
    expect(await askedBeforePlan(store, apply(undefined, "2026-11-27T11:00:05Z"), planOf(5, plannedAt, 1))).toMatchObject({
      by: "bob",
    });
  });

  it("control: written after the plan or in its second, the writer's own plan, or not a comment: none", async () => {
    const plan = planOf(5, plannedAt, 1);
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:06Z"), plan)).toBeUndefined();
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:05Z"), plan)).toBeUndefined();
    expect(await askedBeforePlan(store, apply(undefined), plan)).toBeUndefined();
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:04Z"), planOf(5, plannedAt, 2))).toBeUndefined();
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:04Z", undefined, "merge"), plan)).toBeUndefined();
    expect(await askedBeforePlan(store, apply("2026-11-27T11:00:04Z", undefined, "button"), plan)).toBeUndefined();
  });

  it("not one when a plan with the same changes was there when it was written: a re-plan that changed nothing (control: one that changed)", async () => {
    const earlier = planOf(4, "2026-11-27T11:00:01.000Z");
    const now = planOf(5, plannedAt);
    expect(await askedBeforePlan(storeWith([earlier, now]), apply("2026-11-27T11:00:04Z"), now)).toBeUndefined();
    // The earlier plan changed another value: what the writer read is not what would be applied.
    const other = planOf(4, "2026-11-27T11:00:01.000Z", 1, "b");
    expect(await askedBeforePlan(storeWith([other, now]), apply("2026-11-27T11:00:04Z"), now)).toMatchObject({ by: "bob" });
    // An identical plan made after the comment too shows nothing its writer read.
    const later = planOf(4, "2026-11-27T11:00:05.100Z");
    expect(await askedBeforePlan(storeWith([later, now]), apply("2026-11-27T11:00:04Z"), now)).toMatchObject({ by: "bob" });
  });

  it("is one written after another's plan was saved but while that plan's job still ran: its plan comment was not posted yet", async () => {
    // bob's `/plan -- -var …` saved net's plan at 11:00:05.5 and went on planning the PR's other
    // projects; its comment, the only place the plan is shown, comes when the job ends. alice's
    // `/apply`, written at 11:00:30 from the plan shown before, would apply bob's plan unseen.
    const running = (status: string, actor = "bob") =>
      ({ getJob: async () => ({ status, spec: { actor } }), planHistory: async () => [], resultOf: async () => undefined }) as never;
    const plan = planOf(5, plannedAt, 1);
    expect(await askedBeforePlan(running("running"), apply("2026-11-27T11:00:30Z", "2026-11-27T11:00:30.2Z"), plan)).toMatchObject({
      by: "bob",
      notShown: true,
    });
    expect(await askedBeforePlan(running("queued"), apply("2026-11-27T11:00:30Z", "2026-11-27T11:00:30.2Z"), plan)).toMatchObject({
      notShown: true,
    });
    // Controls: the job ended (its comment posted), or the plan is the writer's own: none.
    expect(await askedBeforePlan(running("done"), apply("2026-11-27T11:00:30Z", "2026-11-27T11:00:30.2Z"), plan)).toBeUndefined();
    expect(
      await askedBeforePlan(running("running", "alice"), apply("2026-11-27T11:00:30Z", "2026-11-27T11:00:30.2Z"), plan),
    ).toBeUndefined();
  });

  it("is one written while that plan's job still ran and delivered after it ended (redelivered, or queued): shown only then", async () => {
    const ended = (updatedAt: string, actor = "bob") =>
      ({
        getJob: async () => ({ status: "done", updatedAt, spec: { actor } }),
        planHistory: async () => [],
        resultOf: async () => undefined,
      }) as never;
    const plan = planOf(5, plannedAt, 1);
    // Written at 11:00:30, bob's job posted its plans at 11:00:40; alice's job ran after (stored late).
    const late = apply("2026-11-27T11:00:30Z", "2026-11-27T11:05:00Z");
    expect(await askedBeforePlan(ended("2026-11-27T11:00:40.000Z"), late, plan)).toEqual({
      askedAt: "2026-11-27T11:00:30Z",
      plannedAt,
      by: "bob",
      shownAt: "2026-11-27T11:00:40.000Z",
    });
    // Controls: written after the job ended (its comment shown), or the writer's own plan: none.
    expect(await askedBeforePlan(ended("2026-11-27T11:00:29.000Z"), late, plan)).toBeUndefined();
    expect(await askedBeforePlan(ended("2026-11-27T11:00:40.000Z", "alice"), late, plan)).toBeUndefined();
    // A drift check's plan is shown when its issue is updated with it (GitHub's time), not at the check's end.
    const driftApply = {
      id: 10,
      createdAt: "2026-11-27T11:05:00Z",
      spec: {
        kind: "drift-apply",
        actor: "alice",
        commentId: 1,
        command: { kind: "apply", filter: {} },
        commentAt: "2026-11-27T11:00:30Z",
      },
    } as JobWith<SpecOf<"drift-apply">>;
    expect(
      await askedBeforePlan(ended("2026-11-27T11:00:40.000Z"), driftApply, { ...plan, shownAt: "2026-11-27T11:00:06Z" }),
    ).toBeUndefined();
    expect(await askedBeforePlan(ended("2026-11-27T11:00:20.000Z"), driftApply, { ...plan, shownAt: "2026-11-27T11:00:40Z" })).toEqual({
      askedAt: "2026-11-27T11:00:30Z",
      plannedAt,
      by: "bob",
      shownAt: "2026-11-27T11:00:40Z",
      shownOn: "issue",
    });
    // Never shown (the update failed, or is under way): no comment saw it.
    expect(await askedBeforePlan(ended("2026-11-27T11:00:20.000Z"), driftApply, plan)).toMatchObject({ notShown: true, shownOn: "issue" });
  });

  it("a drift issue's /apply too: written before a newer check's plan, it is one (control: after it, none)", async () => {
    const driftApply = (commentAt: string): JobWith<SpecOf<"drift-apply">> =>
      ({
        id: 10,
        createdAt: "2026-11-27T11:09:00Z",
        spec: { kind: "drift-apply", actor: "alice", commentId: 1, command: { kind: "apply", filter: {} }, commentAt },
      }) as JobWith<SpecOf<"drift-apply">>;
    const plan = { ...planOf(5, plannedAt, 1), shownAt: "2026-11-27T11:00:06Z" };
    expect(await askedBeforePlan(store, driftApply("2026-11-27T11:00:04Z"), plan)).toMatchObject({ by: "bob" });
    expect(await askedBeforePlan(store, driftApply("2026-11-27T11:00:07Z"), plan)).toBeUndefined();
  });

  it("compares the comment with when GitHub took the plan comment, not with Sluice's clock at the job's end", async () => {
    // bob's plan job ended at 11:00:40 by Sluice's clock; GitHub, 3 s ahead, stamped its comment's
    // edit 11:00:43. alice's `/apply` was written at 11:00:42 by GitHub's clock: before it showed.
    const ended = (shownAt: string | undefined) =>
      ({
        getJob: async () => ({ id: 1, status: "done", updatedAt: "2026-11-27T11:00:40.000Z", spec: { actor: "bob" } }),
        planHistory: async () => [],
        resultOf: async () => ({ jobId: 1, posted: true, ...(shownAt ? { shownAt } : {}) }),
      }) as never;
    const plan = planOf(5, plannedAt, 1);
    const late = (commentAt: string) => apply(commentAt, "2026-11-27T11:05:00Z");
    expect(await askedBeforePlan(ended("2026-11-27T11:00:43Z"), late("2026-11-27T11:00:42Z"), plan)).toMatchObject({
      shownAt: "2026-11-27T11:00:43Z",
    });
    // Controls: written in that second or after it, it saw the plan; so with GitHub 3 s behind
    // (stamped 11:00:37), one written at 11:00:38 is let through, though Sluice's clock says 11:00:40.
    expect(await askedBeforePlan(ended("2026-11-27T11:00:43Z"), late("2026-11-27T11:00:43Z"), plan)).toBeUndefined();
    expect(await askedBeforePlan(ended("2026-11-27T11:00:37Z"), late("2026-11-27T11:00:38Z"), plan)).toBeUndefined();
    // No time from GitHub (an answer without one, a part created at the end): the job's end, with a second's grace.
    expect(await askedBeforePlan(ended(undefined), late("2026-11-27T11:00:38Z"), plan)).toMatchObject({
      shownAt: "2026-11-27T11:00:40.000Z",
    });
  });
});

describe("askedBeforePlan: a re-plan identical to a plan saved before the comment but not yet shown", () => {
  it("is still one: that plan's job had not posted it when the /apply was written (control: posted before: none)", async () => {
    // bob's first `/plan` saved net's plan at 11:00:01 and went on planning other projects; alice
    // wrote `/apply` at 11:00:04 (the PR still showed an older plan with other changes); that job
    // posted its comment at 11:00:20; bob's second `/plan` made the same plan again. alice's
    // `/apply`, run after both, would apply changes she never saw.
    const older = planOf(3, "2026-11-27T10:50:00.000Z", 3, "b");
    const first = planOf(4, "2026-11-27T11:00:01.000Z", 1);
    const again = planOf(5, "2026-11-27T11:00:30.000Z", 5);
    const store = (firstShown: string) =>
      ({
        getJob: async (id: number) => ({
          id,
          status: "done",
          updatedAt: id === 1 ? firstShown : "2026-11-27T11:00:40.000Z",
          spec: { actor: "bob" },
        }),
        planHistory: async () => [older, first, again],
        resultOf: async () => undefined,
      }) as never;
    const late = apply("2026-11-27T11:00:04Z", "2026-11-27T11:05:00Z");
    expect(await askedBeforePlan(store("2026-11-27T11:00:20.000Z"), late, again)).toMatchObject({ by: "bob" });
    expect(await askedBeforePlan(store("2026-11-27T11:00:02.000Z"), late, again)).toBeUndefined();
  });
});
