import { describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { JobSpec } from "../../../src/model/job.js";
import { fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { fakePullRequest } from "../../fakes/fake-vcs.js";
import { type Deps, failedApply, lock, target } from "./unlock-fixtures.js";

async function run(deps: Deps, spec: JobSpec) {
  const id = await deps.store.enqueueInternal(target, spec);
  await deps.store.updateJob(id, { status: "running" });
  const job = await deps.store.getJob(id);
  if (!job) throw new Error("no job");
  await runJob(job, deps);
  // Ended, as the worker marks it: a later close's cleanup waits for the PR's running jobs.
  await deps.store.updateJob(id, { status: "done" });
}

/** #7 closed now (again): its cleanup runs; the locks it holds after it, and what it said. */
async function close(deps: Deps) {
  deps.vcs.pullRequests.set(7, fakePullRequest({ number: 7, state: "closed", merged: false, closedAt: new Date().toISOString() }));
  await run(deps, { kind: "cleanup", merged: false, actor: "alice" });
  return deps.store.locksOf("acme/infra", 7);
}

const unlock = (deps: Deps) => run(deps, { kind: "unlock", command: { kind: "unlock", filter: {} }, actor: "bob" });
const kept = (deps: Deps) => deps.vcs.bodiesOn(7).filter((b) => b.includes("keeps its locks")).length;

describe("/unlock after a failed apply settles it", () => {
  it("the PR closed, unlocked, reopened, planned again and closed keeps no locks for that same apply; who settled it is audited", async () => {
    const deps = await fakeJobDeps();
    deps.vcs.permissions.set("bob", "write");
    await deps.store.takeLock(lock, target);
    await failedApply(deps);
    expect(await close(deps)).toHaveLength(1);
    expect(kept(deps)).toBe(1);
    await unlock(deps);
    expect(await deps.store.locksOf("acme/infra", 7)).toEqual([]);
    // Reopened and planned again: the lock is taken again; its close now releases it.
    await deps.store.takeLock(lock, target);
    expect(await close(deps)).toEqual([]);
    expect(kept(deps)).toBe(1);
    expect(deps.vcs.bodiesOn(7).join("\n")).toContain("closing this pull request keeps no locks for that apply again");
    const audit = (await deps.store.auditEvents({ repo: "acme/infra" })).filter((e) => e.action === "unlock");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "bob", project: "net" });
    expect(audit[0]?.detail).toContain("settles its failed or cut-short apply");
  });

  it("control: a new apply that fails after the unlock keeps the locks again", async () => {
    const deps = await fakeJobDeps();
    deps.vcs.permissions.set("bob", "write");
    await deps.store.takeLock(lock, target);
    await failedApply(deps);
    await unlock(deps);
    await deps.store.takeLock(lock, target);
    await failedApply(deps);
    expect(await close(deps)).toHaveLength(1);
    expect(kept(deps)).toBe(1);
  });

  it("control: an /unlock refused (no write access) releases and settles nothing", async () => {
    const deps = await fakeJobDeps();
    await deps.store.takeLock(lock, target);
    await failedApply(deps);
    await unlock(deps);
    expect(await deps.store.locksOf("acme/infra", 7)).toHaveLength(1);
    expect(await deps.store.unsettledAppliesOfPr("acme/infra", 7)).toHaveLength(1);
  });
});
