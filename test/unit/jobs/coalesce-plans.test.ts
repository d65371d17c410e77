import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newerPlanJob } from "../../../src/jobs/coalesce-plans.js";
import type { Job, JobSpec, JobTarget, JobWith, SpecOf } from "../../../src/model/job.js";
import { openSqliteStore } from "../../../src/store/sqlite-store.js";
import type { Store } from "../../../src/store/store.js";

const target = (pr = 1): JobTarget => ({
  installationId: 1,
  repo: { owner: "acme", name: "infra" },
  cloneUrl: "http://x/acme/infra.git",
  pr,
});
const autoplan: SpecOf<"plan"> = { kind: "plan", trigger: "autoplan", actor: "alice" };
const plan = (filter: Record<string, string> = {}, extraArgs: string[] = []): SpecOf<"plan"> => ({
  kind: "plan",
  trigger: "comment",
  command: { kind: "plan", filter, extraArgs },
  commentId: 5,
  actor: "alice",
});

let store: Store;
beforeEach(() => {
  store = openSqliteStore(":memory:");
});
afterEach(async () => {
  await store.close();
});

async function enqueue<S extends JobSpec>(spec: S, pr = 1): Promise<JobWith<S>> {
  const id = await store.enqueueInternal(target(pr), spec);
  const job: Job | undefined = await store.getJob(id);
  if (!job) throw new Error("job not stored");
  return { ...job, spec };
}

describe("newerPlanJob", () => {
  it("names the newest later plan job of the same PR that makes the same plans", async () => {
    const first = await enqueue(plan());
    const second = await enqueue(plan());
    const third = await enqueue(plan());
    expect(await newerPlanJob(store, first)).toBe(third.id);
    expect(await newerPlanJob(store, second)).toBe(third.id);
    expect(await newerPlanJob(store, third)).toBeUndefined();
  });

  it("treats an autoplan and a bare /plan as the same plans", async () => {
    const auto = await enqueue(autoplan);
    const bare = await enqueue(plan());
    expect(await newerPlanJob(store, auto)).toBe(bare.id);
  });

  it("does not yield to a plan of other projects or other arguments, another PR, or an apply", async () => {
    const job = await enqueue(plan({ project: "net" }));
    await enqueue(plan({ project: "app" }));
    await enqueue(plan({ project: "net" }, ["-refresh=false"]));
    await enqueue(plan({ project: "net" }), 2);
    await enqueue({ kind: "apply", trigger: "comment", actor: "alice", command: { kind: "apply", filter: { project: "net" } } });
    expect(await newerPlanJob(store, job)).toBeUndefined();
  });

  it("counts running jobs but not finished ones", async () => {
    const job = await enqueue(plan());
    const newer = await enqueue(plan());
    await store.updateJob(newer.id, { status: "done" });
    expect(await newerPlanJob(store, job)).toBeUndefined();
    const running = await enqueue(plan());
    await store.updateJob(running.id, { status: "running" });
    expect(await newerPlanJob(store, job)).toBe(running.id);
  });

  it("never makes an earlier job yield to it: only later ids count", async () => {
    const older = await enqueue(plan());
    const job = await enqueue(plan());
    expect(older.id).toBeLessThan(job.id);
    expect(await newerPlanJob(store, job)).toBeUndefined();
  });
});
