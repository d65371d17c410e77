import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { askedBeforePlan } from "../../src/authorization/asked-before-plan.js";
import type { JobWith, SpecOf } from "../../src/model/job.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { summary } from "../golden/fixtures.js";

/** A drift check's plan of issue 12, made at default-branch commit `sha`, changing terraform_data.x to `input`. */
const checkPlan = (sha: string, input: string) => ({
  repo: "acme/infra",
  pr: 12,
  project: "net",
  dir: "net",
  workspace: "default",
  runner: "terraform" as const,
  headSha: sha,
  baseSha: sha,
  planPath: "/nowhere/plan.tfplan",
  planHash: `sha256:${sha}-${input}`,
  summary: summary({
    change: 1,
    resources: [{ address: "terraform_data.x", action: "update" as const }],
    changeHashes: { "terraform_data.x": input },
    hasChanges: true,
  }),
  jobId: 99,
});

const driftApply = (createdAt: string): JobWith<SpecOf<"drift-apply">> =>
  ({
    id: 100,
    createdAt,
    spec: { kind: "drift-apply", actor: "alice", commentId: 1, command: { kind: "apply", filter: {} }, commentAt: createdAt },
  }) as JobWith<SpecOf<"drift-apply">>;

/** Saves the first check at m1, then (after alice's `/apply`) a scheduled one at `sha` changing `input`. */
async function checks(sha: string, input: string) {
  const store = await openSqliteStore(":memory:");
  const file = (p: { planHash: string }) => ({ sha256: p.planHash, size: 0 });
  const first = checkPlan("m1", "a");
  await store.markPlanShown((await store.savePlan(first, file(first))).id, new Date().toISOString());
  await sleep(20);
  const job = driftApply(new Date().toISOString());
  await sleep(1_100);
  const next = checkPlan(sha, input);
  const saved = await store.savePlan(next, file(next));
  await store.markPlanShown(saved.id, new Date().toISOString());
  return { store, job, plan: (await store.pendingPlans("acme/infra", 12))[0] ?? saved };
}

describe("askedBeforePlan: a drift issue's /apply and a newer scheduled check after the default branch moved", () => {
  it("is not refused when the newer check found the same drift at a new commit of the default branch", async () => {
    const { store, job, plan } = await checks("m2", "a");
    expect(await askedBeforePlan(store, job, plan)).toBeUndefined();
  });

  it("control: a newer check at a new commit with other changes is still one written before it", async () => {
    const { store, job, plan } = await checks("m2", "b");
    expect(await askedBeforePlan(store, job, plan)).toMatchObject({ plannedAt: plan.createdAt });
  });

  it("control: the same commit and the same drift is not one either", async () => {
    const { store, job, plan } = await checks("m1", "a");
    expect(await askedBeforePlan(store, job, plan)).toBeUndefined();
  });
});

/** Now, as GitHub stamps it: whole seconds. */
const github = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

describe("askedBeforePlan: a drift issue's /apply written between a check's save and its issue's update", () => {
  const file = (p: { planHash: string }) => ({ sha256: p.planHash, size: 0 });
  it("is one: the issue still showed the older plan (control: written after the update, none)", async () => {
    const store = await openSqliteStore(":memory:");
    const first = checkPlan("m1", "a");
    await store.markPlanShown((await store.savePlan(first, file(first))).id, new Date().toISOString());
    await sleep(20);
    const next = checkPlan("m2", "b");
    const saved = await store.savePlan(next, file(next));
    await sleep(20);
    // Written after the save, before the issue showed it (a second later at least, as GitHub's stamps are whole seconds).
    const written = driftApply(github());
    await sleep(1_100);
    const shownAt = github();
    await store.markPlanShown(saved.id, shownAt);
    const [plan] = await store.pendingPlans("acme/infra", 12);
    if (!plan) throw new Error("no pending plan");
    expect(plan.shownAt).toBeDefined();
    expect(await askedBeforePlan(store, written, plan)).toMatchObject({ shownOn: "issue", plannedAt: plan.createdAt });
    expect(await askedBeforePlan(store, driftApply(github()), plan)).toBeUndefined();
  });

  it("is one for a plan its issue never showed (its update failed), however late the comment", async () => {
    const store = await openSqliteStore(":memory:");
    const next = checkPlan("m2", "b");
    await store.savePlan(next, file(next));
    await sleep(20);
    const [plan] = await store.pendingPlans("acme/infra", 12);
    if (!plan) throw new Error("no pending plan");
    expect(await askedBeforePlan(store, driftApply(new Date().toISOString()), plan)).toMatchObject({ notShown: true, shownOn: "issue" });
  });
});
