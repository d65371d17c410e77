import { describe, expect, it } from "vitest";
import { startPreviewSweeper } from "../../src/preview/preview-sweeper.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { previewRecord } from "../support/preview-record.js";

const quiet = { info: () => undefined, error: () => undefined };

describe("the preview sweeper", () => {
  it("queues nothing for a repository the allowlist leaves out, whose jobs are never run (control: a listed one's expired preview gets its destroy)", async () => {
    const store = openSqliteStore(":memory:");
    try {
      // Both previews' time is up (ttl 1 ms, applied at 0): each is due for its destroy.
      const gone = previewRecord({
        repo: "acme/gone",
        ttlMs: 1,
        target: { ...previewRecord().target, repo: { owner: "acme", name: "gone" } },
      });
      const kept = previewRecord({
        repo: "acme/kept",
        ttlMs: 1,
        target: { ...previewRecord().target, repo: { owner: "acme", name: "kept" } },
      });
      await store.savePreview(gone);
      await store.savePreview(kept);
      // Every job the sweep queues, by repository.
      const queued: string[] = [];
      const counting = Object.assign(Object.create(store), {
        enqueueInternal: (target: Parameters<typeof store.enqueueInternal>[0], spec: Parameters<typeof store.enqueueInternal>[1]) => {
          queued.push(`${target.repo.owner}/${target.repo.name}`);
          return store.enqueueInternal(target, spec);
        },
      }) as typeof store;
      const sweeper = startPreviewSweeper({
        store: counting,
        log: quiet,
        wake: () => undefined,
        intervalMs: 3_600_000,
        allowed: (repo) => repo !== "acme/gone",
      });
      try {
        // runJob drops a de-listed repository's job at once (logged, never run): the next sweep found
        // the PR idle again and queued another, once a minute for as long as the preview stood.
        for (let round = 0; round < 3; round++) {
          await sweeper.sweep();
          for (const repo of ["acme/gone", "acme/kept"])
            for (const job of await store.activeJobsOf(repo, 7)) await store.updateJob(job.id, { status: "done" });
        }
        expect(queued.filter((r) => r === "acme/gone")).toEqual([]);
        // Control: the listed repository's preview gets its destroy (each round, as its job here did nothing).
        expect(queued.filter((r) => r === "acme/kept").length).toBeGreaterThanOrEqual(3);
      } finally {
        sweeper.stop();
      }
    } finally {
      await store.close();
    }
  });

  it("a first preview a restart stopped before its apply began is torn down by no one: nothing stands (control: a stopped apply is failed)", async () => {
    const store = openSqliteStore(":memory:");
    try {
      const planning = previewRecord({ pr: 8, status: "applying", nothingApplied: true, lastResult: "applying bbbbbbb" });
      const applying = previewRecord({ pr: 9, status: "applying", lastResult: "applying ccccccc" });
      await store.savePreview(planning);
      await store.savePreview(applying);
      const sweeper = startPreviewSweeper({ store, log: quiet, wake: () => undefined, intervalMs: 3_600_000 });
      try {
        await sweeper.sweep();
        // Before: failed, so its teardown planned a commit never applied (which may not plan), for ever.
        expect(await store.getPreview({ repo: "acme/web", pr: 8, project: "app" })).toMatchObject({
          status: "destroyed",
          lastResult: expect.stringContaining("before its first apply"),
        });
        expect(await store.getPreview({ repo: "acme/web", pr: 9, project: "app" })).toMatchObject({
          status: "failed",
          lastResult: expect.stringContaining("the apply was interrupted"),
        });
        expect(await store.activeJobsOf("acme/web", 8)).toEqual([]);
      } finally {
        sweeper.stop();
      }
    } finally {
      await store.close();
    }
  });
});
