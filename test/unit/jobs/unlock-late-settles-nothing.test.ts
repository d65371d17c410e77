import { describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { Job, JobSpec } from "../../../src/model/job.js";
import { fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { type Deps, failedApply, lock, saveNetPlan, target } from "./unlock-fixtures.js";

// `/unlock` settles a failed apply under the locks it releases: its writer vouches for that state.
// One written before the apply failed (queued behind it, or delivered late) never saw that failure.

const tick = () => new Promise((r) => setTimeout(r, 5));

async function stored(deps: Deps, spec: JobSpec): Promise<Job> {
  const id = await deps.store.enqueueInternal(target, spec);
  await deps.store.updateJob(id, { status: "running" });
  return (await deps.store.getJob(id)) as Job;
}

async function run(deps: Deps, job: Job) {
  await runJob(job, deps);
  await deps.store.updateJob(job.id, { status: "done" });
}

const unlockSpec = (commentAt?: string): JobSpec => ({
  kind: "unlock",
  command: { kind: "unlock", filter: {} },
  commandLine: "/unlock",
  commentId: 3,
  actor: "bob",
  ...(commentAt ? { commentAt } : {}),
});

async function setup() {
  const deps = await fakeJobDeps();
  deps.vcs.permissions.set("bob", "write");
  await deps.store.takeLock(lock, target);
  return deps;
}

describe("an /unlock asked before an apply failed settles nothing of that failure", () => {
  it("queued behind the apply: it releases the locks, but the failure stays unsettled and is not said settled", async () => {
    const deps = await setup();
    const unlock = await stored(deps, unlockSpec());
    await tick();
    await failedApply(deps);
    await run(deps, unlock);
    expect(await deps.store.locksOf("acme/infra", 7)).toEqual([]);
    expect(await deps.store.unsettledAppliesOfPr("acme/infra", 7)).toHaveLength(1);
    expect(deps.vcs.bodiesOn(7).join("\n")).not.toContain("keeps no locks for that apply again");
  });

  it("delivered late (its comment written before the failure, its job stored after): the failure stays unsettled", async () => {
    const deps = await setup();
    const written = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await failedApply(deps);
    await tick();
    await run(deps, await stored(deps, unlockSpec(written)));
    expect(await deps.store.locksOf("acme/infra", 7)).toEqual([]);
    expect(await deps.store.unsettledAppliesOfPr("acme/infra", 7)).toHaveLength(1);
  });

  it("control: an /unlock written and stored after the failure settles it", async () => {
    const deps = await setup();
    await failedApply(deps);
    await new Promise((r) => setTimeout(r, 1_100));
    const written = new Date(Date.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    await run(deps, await stored(deps, unlockSpec(written)));
    expect(await deps.store.unsettledAppliesOfPr("acme/infra", 7)).toEqual([]);
    expect(deps.vcs.bodiesOn(7).join("\n")).toContain("keeps no locks for that apply again");
  });

  /** An apply of net on #7 whose job ended (cut short: recovered, failed) with the apply still recorded `started`. */
  async function cutShortStart(deps: Deps): Promise<number> {
    const applyJob = await stored(deps, { kind: "apply", trigger: "comment", actor: "alice" } as JobSpec);
    const plan = await saveNetPlan(deps, applyJob.id);
    await deps.store.recordApplyStart({ jobId: applyJob.id, repo: "acme/infra", pr: 7, project: "net", planId: plan.id });
    return applyJob.id;
  }

  it("attack: an apply started before the /unlock, whose job was cut short after it, stays unsettled", async () => {
    const deps = await setup();
    const applyJob = await cutShortStart(deps);
    await tick();
    const unlock = await stored(deps, unlockSpec());
    await tick();
    // The apply was running when the /unlock was written; its job ended (cut short) only after.
    await deps.store.updateJob(applyJob, { status: "interrupted" });
    await run(deps, unlock);
    expect(await deps.store.locksOf("acme/infra", 7)).toEqual([]);
    expect(await deps.store.unsettledAppliesOfPr("acme/infra", 7)).toHaveLength(1);
    expect(deps.vcs.bodiesOn(7).join("\n")).not.toContain("keeps no locks for that apply again");
  });

  it("control: an apply cut short before the /unlock was written is settled by it", async () => {
    const deps = await setup();
    const applyJob = await cutShortStart(deps);
    await deps.store.updateJob(applyJob, { status: "interrupted" });
    await tick();
    await run(deps, await stored(deps, unlockSpec()));
    expect(await deps.store.unsettledAppliesOfPr("acme/infra", 7)).toEqual([]);
    expect(deps.vcs.bodiesOn(7).join("\n")).toContain("keeps no locks for that apply again");
  });
});
