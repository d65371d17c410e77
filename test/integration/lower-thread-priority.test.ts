import { getPriority } from "node:os";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";

const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.tsx).then(async ({ register }) => {
  register();
  const { lowerThreadPriority } = await import(workerData.module);
  const lowered = lowerThreadPriority(10);
  parentPort.postMessage({ lowered, own: lowered.ok ? require("node:os").getPriority(lowered.tid) : undefined });
});
`;

describe("the job thread's CPU priority", () => {
  it("is lowered for that thread only: the process's main thread keeps its own", async () => {
    const before = getPriority(process.pid);
    const thread = new Worker(THREAD, {
      eval: true,
      workerData: {
        tsx: import.meta.resolve("tsx/esm/api"),
        module: new URL("../../src/app/lower-thread-priority.ts", import.meta.url).href,
      },
    });
    try {
      const answer = await new Promise<{ lowered: { ok: boolean; tid?: number }; own?: number }>((resolve, reject) => {
        thread.once("message", resolve);
        thread.once("error", reject);
      });
      expect(answer.lowered).toEqual({ ok: true, tid: expect.any(Number) });
      expect(answer.lowered.tid).not.toBe(process.pid);
      expect(answer.own).toBe(10);
      expect(getPriority(process.pid)).toBe(before);
    } finally {
      await thread.terminate();
    }
  });
});
