import { describe, expect, it } from "vitest";
import { runJob } from "../../src/jobs/run-job.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { runningJob, writtenAt } from "../fakes/fake-jobs.js";
import { fakeUserId } from "../fakes/fake-vcs.js";

let nextComment = 1;
/** `/applies resume|pause` by `actor`, stored now, its comment written at `commentAt`. */
const appliesJob = (action: "pause" | "resume", actor: string, commentAt?: string) =>
  runningJob({
    kind: "applies",
    command: { kind: "applies", action, ...(action === "pause" ? { reason: "late pause" } : {}) },
    commentId: 1000 + nextComment++,
    actor,
    actorId: fakeUserId(actor),
    ...writtenAt(commentAt),
  });

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

describe("/applies resume racing a newer pause", () => {
  it("a pause written after the resume was asked, while it runs, stays on: the resume lifts only the pause it saw", async () => {
    const deps = await fakeJobDeps({ serverConfig: "admins: [root, ops]\n" });
    deps.vcs.setPullRequest({ author: "alice" });
    await deps.store.setAppliesPaused({ by: "root", reason: "maintenance" });
    await new Promise((r) => setTimeout(r, 5));
    const resume = appliesJob("resume", "root", new Date().toISOString());
    await new Promise((r) => setTimeout(r, 5));
    // Another replica's `/applies pause` lands once the resume has started looking at the pause:
    // after its read of the old pause, before whatever it deletes.
    const store = deps.store;
    let raced = false;
    const newerPause = async () => {
      if (raced) return;
      raced = true;
      await store.setAppliesPaused({ by: "ops", reason: "incident 43" });
    };
    deps.store = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        if (prop === "appliesPaused")
          return async () => {
            const read = await value.call(target);
            await newerPause();
            return read;
          };
        if (prop === "resumeApplies")
          return async (...args: unknown[]) => {
            await newerPause();
            return value.apply(target, args);
          };
        return value.bind(target);
      },
    });
    await runJob(resume, deps);
    expect(raced).toBe(true);
    expect(await store.appliesPaused()).toMatchObject({ by: "ops", reason: "incident 43" });
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("incident 43");
  });
});
