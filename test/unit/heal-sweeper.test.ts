import { describe, expect, it } from "vitest";
import { startHealSweeper } from "../../src/heal/heal-sweeper.js";
import type { JobTarget } from "../../src/model/job.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

const target = (pr: number): JobTarget => ({
  installationId: 3,
  repo: { owner: "acme", name: "infra" },
  cloneUrl: "https://x/acme/infra.git",
  pr,
});
const quiet = { info: () => undefined, error: () => undefined };

describe("the heal sweeper", () => {
  it("queues one heal check per pull request holding a lock, none while it has a job in flight, none for a PR without locks", async () => {
    const store = openSqliteStore(":memory:");
    try {
      for (const pr of [7, 8]) {
        await store.enqueueInternal(target(pr), { kind: "unlock", command: { kind: "unlock", filter: {} }, actor: "x" } as never);
      }
      // Only #7 holds a lock; both have a job in the store (the one that took it, for #7).
      await store.takeLock({ repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 }, target(7));
      for (const job of await store.activeJobsOf("acme/infra", 7)) await store.updateJob(job.id, { status: "done" });
      let woken = 0;
      const sweeper = startHealSweeper({ store, log: quiet, wake: () => woken++, intervalMs: 3_600_000, allowed: () => true });
      try {
        // The sweep at start and this one share their run, or this one finds the first's job in flight.
        await sweeper.sweep();
        const heals = (await store.activeJobsOf("acme/infra", 7)).filter((j) => j.spec.kind === "heal");
        expect(heals).toHaveLength(1);
        expect(heals[0]?.target).toEqual(target(7));
        expect(await sweeper.sweep()).toBe(0);
        expect((await store.activeJobsOf("acme/infra", 8)).filter((j) => j.spec.kind === "heal")).toEqual([]);
        expect(woken).toBe(1);
      } finally {
        sweeper.stop();
      }
    } finally {
      await store.close();
    }
  });

  it("queues nothing for a repository the server's allowlist leaves out (its job would be dropped, and queued again)", async () => {
    const store = openSqliteStore(":memory:");
    try {
      await store.enqueueInternal(target(7), { kind: "unlock", command: { kind: "unlock", filter: {} }, actor: "x" } as never);
      await store.takeLock({ repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 }, target(7));
      for (const job of await store.activeJobsOf("acme/infra", 7)) await store.updateJob(job.id, { status: "done" });
      const sweeper = (allowed: boolean) =>
        startHealSweeper({ store, log: quiet, wake: () => undefined, intervalMs: 3_600_000, allowed: () => allowed });
      const left = sweeper(false);
      await left.sweep();
      left.stop();
      expect(await store.activeJobsOf("acme/infra", 7)).toEqual([]);
      // Control: listed, the PR holding the lock gets its heal check.
      const listed = sweeper(true);
      await listed.sweep();
      listed.stop();
      expect((await store.activeJobsOf("acme/infra", 7)).map((j) => j.spec.kind)).toEqual(["heal"]);
    } finally {
      await store.close();
    }
  });
});
