import { describe, expect, it } from "vitest";
import { runJob } from "../../src/jobs/run-job.js";
import type { Job } from "../../src/model/job.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";

let nextJob = 1;
/** `/applies resume|pause` by `actor`, stored now, its comment written at `commentAt`. */
function appliesJob(action: "pause" | "resume", actor: string, commentAt?: string): Job {
  const id = nextJob++;
  const createdAt = new Date().toISOString();
  return {
    id,
    deliveryId: `d${id}`,
    target: { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "http://git/acme/infra.git", pr: 1 },
    spec: {
      kind: "applies",
      command: { kind: "applies", action, ...(action === "pause" ? { reason: "late pause" } : {}) },
      commentId: 1000 + id,
      actor,
      ...(commentAt ? { commentAt } : {}),
    },
    status: "running",
    attempts: 1,
    commentIds: [],
    createdAt,
    updatedAt: createdAt,
  };
}

describe("/applies resume delivered late", () => {
  it("a resume written before applies were paused (GitHub redelivered it) lifts no pause: the brake stays on", async () => {
    const deps = await fakeJobDeps({ serverConfig: "admins: [root, ops]\n" });
    deps.vcs.setPullRequest({ author: "alice" });
    const written = new Date(Date.now() - 60_000).toISOString();
    // Paused for an incident after the resume was written, before its redelivery came.
    await deps.store.setAppliesPaused({ by: "ops", reason: "incident 42" });
    await runJob(appliesJob("resume", "root", written), deps);
    expect(await deps.store.appliesPaused()).toMatchObject({ by: "ops", reason: "incident 42" });
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("before applies were paused at");
    // Control: a resume written after the pause lifts it.
    await runJob(appliesJob("resume", "root", new Date(Date.now() + 1_000).toISOString()), deps);
    expect(await deps.store.appliesPaused()).toBeUndefined();
  });

  it("control: a resume of unknown time, and a late pause, act as before", async () => {
    const deps = await fakeJobDeps({ serverConfig: "admins: [root]\n" });
    deps.vcs.setPullRequest({ author: "alice" });
    await deps.store.setAppliesPaused({ by: "root", reason: "x" });
    await runJob(appliesJob("resume", "root"), deps);
    expect(await deps.store.appliesPaused()).toBeUndefined();
    await runJob(appliesJob("pause", "root", new Date(Date.now() - 60_000).toISOString()), deps);
    expect(await deps.store.appliesPaused()).toMatchObject({ by: "root", reason: "late pause" });
  });
});
