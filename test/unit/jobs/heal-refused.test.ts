import { describe, expect, it } from "vitest";
import { startHealSweeper } from "../../../src/heal/heal-sweeper.js";
import { runJob } from "../../../src/jobs/run-job.js";
import type { JobTarget } from "../../../src/model/job.js";
import { refusedOutright } from "../../../src/vcs/refused-outright.js";
import { VcsError } from "../../../src/vcs/vcs-client.js";
import { toVcsError } from "../../../src/vcs/github/with-retry.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { claimedJob } from "../../fakes/fake-jobs.js";
import { fakePullRequest } from "../../fakes/fake-vcs.js";

const target: JobTarget = { installationId: 1, repo: { owner: "acme", name: "gone" }, cloneUrl: "https://x.test/acme/gone.git", pr: 7 };
const HOUR = 3_600_000;
const quiet = { info: () => undefined, error: () => undefined };

/** PR #7 holds a lock; GitHub answers its read as `answer` says (a refusal, a fault, or the PR). */
async function lockHolder(answer: () => Promise<never> | undefined) {
  const deps = await fakeJobDeps({ serverConfig: "reconcile_interval: 5m\n" });
  const real = deps.vcs.pullRequest.bind(deps.vcs);
  deps.vcs.pullRequest = (repo, number) => answer() ?? real(repo, number);
  await deps.store.takeLock({ repo: "acme/gone", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 }, target);
  return deps;
}

/** One heal of #7, run as the worker runs it (its fault is the job's failure). */
async function heal(deps: FakeJobDeps): Promise<string | undefined> {
  const job = await claimedJob(deps.store, target, { kind: "heal", actor: "sluice" });
  const failed = await runJob(job, deps).then(
    () => undefined,
    (e: unknown) => String(e),
  );
  await deps.store.updateJob(job.id, { status: failed ? "failed" : "done" });
  return failed;
}

async function healsQueued(deps: FakeJobDeps, at: number): Promise<number> {
  const sweeper = startHealSweeper({
    store: deps.store,
    log: quiet,
    wake: () => undefined,
    intervalMs: HOUR,
    allowed: () => true,
    now: () => at,
  });
  sweeper.stop();
  const queued = await sweeper.sweep();
  // Each test asks once: the queued heal is done with.
  for (const j of await deps.store.activeJobsOf("acme/gone", 7)) await deps.store.updateJob(j.id, { status: "done" });
  return queued;
}

describe("a pull request holding locks in a repository GitHub no longer shows to Sluice", () => {
  it("is not healed again on every sweep: the next heal waits, longer each time, and the locks are kept", async () => {
    const deps = await lockHolder(() => Promise.reject(new VcsError("reading PR #7: GitHub answered 404 (Not Found)", 404, false)));
    // The sweep at start may have queued one: done with.
    await healsQueued(deps, Date.now());
    expect(await heal(deps)).toBeUndefined();
    const first = await deps.store.healRefusal("acme/gone", 7);
    expect(first).toMatchObject({ status: 404, attempts: 1 });
    expect(deps.log.lines.some((l) => l.level === "warn" && l.msg.includes("GitHub refuses to show this pull request"))).toBe(true);
    // The sweeps before its wait ends queue nothing; the one after it asks again.
    expect(await healsQueued(deps, Date.now() + 60_000)).toBe(0);
    expect(await healsQueued(deps, (first?.nextAt ?? 0) + 1)).toBe(1);
    expect(await heal(deps)).toBeUndefined();
    const second = await deps.store.healRefusal("acme/gone", 7);
    expect(second?.attempts).toBe(2);
    expect((second?.nextAt ?? 0) - Date.now()).toBeGreaterThan((first?.nextAt ?? 0) - (first?.since ?? 0));
    // Nothing says the PR closed: its lock stays, and nothing was said anywhere.
    expect((await deps.store.locksOf("acme/gone", 7)).map((l) => l.project)).toEqual(["net"]);
    expect(deps.vcs.comments).toEqual([]);
  });

  it("control: a GitHub fault fails the heal as before, and the next sweep asks again", async () => {
    const deps = await lockHolder(() => Promise.reject(new VcsError("reading PR #7: GitHub answered 502", 502, true)));
    await healsQueued(deps, Date.now());
    expect(await heal(deps)).toContain("502");
    expect(await deps.store.healRefusal("acme/gone", 7)).toBeUndefined();
    expect(await healsQueued(deps, Date.now() + 60_000)).toBe(1);
  });

  it("control: shown again (closed long ago), the PR is healed as any other and its refusal forgotten", async () => {
    let refuse = true;
    const deps = await lockHolder(() => (refuse ? Promise.reject(new VcsError("GitHub answered 404", 404, false)) : undefined));
    deps.vcs.pullRequests.set(7, fakePullRequest({ number: 7, state: "closed", closedAt: new Date(Date.now() - 2 * HOUR).toISOString() }));
    await healsQueued(deps, Date.now());
    await heal(deps);
    refuse = false;
    expect(await heal(deps)).toBeUndefined();
    expect(await deps.store.healRefusal("acme/gone", 7)).toBeUndefined();
    expect(await deps.store.locksOf("acme/gone", 7)).toEqual([]);
  });

  it("takes as a refusal what the GitHub adapter makes of a 404, 403 or 401, not a rate limit or a fault", () => {
    const answered = (status: number, message = "Not Found", headers: Record<string, string> = {}) =>
      toVcsError({ status, message, response: { headers } }, "reading PR #7");
    expect([404, 403, 401].map((s) => refusedOutright(answered(s)))).toEqual([true, true, true]);
    expect(refusedOutright(answered(403, "API rate limit exceeded", { "x-ratelimit-remaining": "0" }))).toBe(false);
    expect(refusedOutright(answered(502, "Bad Gateway"))).toBe(false);
    expect(refusedOutright(new Error("Not Found"))).toBe(false);
  });
});
