import { Worker } from "node:worker_threads";
import { describe, expect, it, vi } from "vitest";
import {
  afterDeliveries,
  BURST_GAP_MS,
  deliveriesFirstFlag,
  receivingDelivery,
  signalDeliveries,
} from "../../src/store/deliveries-first.js";

/**
 * The job thread's side runs on a real worker thread (Atomics.wait blocks the thread that calls
 * it): it says it is about to call its store, then calls it at once; the HTTP side lowers the flag
 * only once it has heard that. With the wait the call can only see the flag down; without it, it
 * nearly always sees it still up (the message's trip to this thread is far longer than the call).
 */
const JOB_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.tsx).then(async ({ register }) => {
  register();
  const { yieldingToDeliveries } = await import(workerData.module);
  const cell = new Int32Array(workerData.flag);
  const store = yieldingToDeliveries({ write: () => Atomics.load(cell, 0) }, workerData.flag, 60000);
  // Warm: the call right after "calling" must take nanoseconds, far less than the message's trip.
  for (let i = 0; i < 10000; i++) store.write();
  parentPort.once("message", () => {
    parentPort.postMessage({ type: "calling" });
    parentPort.postMessage({ type: "called", flagSeen: store.write() });
  });
  parentPort.postMessage({ type: "ready" });
});
`;

describe("deliveries first (the embedded store's two threads)", () => {
  it("holds the job thread's next store call while deliveries wait, and lets it through once they are committed", async () => {
    const flag = deliveriesFirstFlag();
    const signal = signalDeliveries(flag);
    const thread = new Worker(JOB_THREAD, {
      eval: true,
      workerData: {
        flag,
        tsx: import.meta.resolve("tsx/esm/api"),
        module: new URL("../../src/store/deliveries-first.ts", import.meta.url).href,
      },
    });
    try {
      const seen = await new Promise<number>((resolve, reject) => {
        thread.on("error", reject);
        thread.on("message", (m: { type: string; flagSeen?: number }) => {
          if (m.type === "ready") {
            signal(true);
            thread.postMessage("go");
          } else if (m.type === "calling") signal(false);
          else if (m.type === "called") resolve(m.flagSeen ?? -1);
        });
      });
      expect(seen).toBe(0);
    } finally {
      await thread.terminate();
    }
  });

  it("starts a new job only once the deliveries being received are answered, or after its bound", async () => {
    const flag = deliveriesFirstFlag();
    const receiving = receivingDelivery(flag);
    // Bound far beyond the test's own time: only an answer can let the claim through.
    const claimable = afterDeliveries(flag, 60_000);
    let claimed = false;
    await claimable();
    const first = receiving();
    const second = receiving();
    const waiting = claimable().then(() => {
      claimed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    first();
    first(); // Answered twice by mistake: counted once.
    await new Promise((r) => setTimeout(r, 20));
    expect(claimed).toBe(false);
    second();
    await waiting;
    expect(claimed).toBe(true);
    // A steady stream cannot hold a claim longer than the bound.
    receiving();
    const bounded = afterDeliveries(flag, 30);
    await expect(Promise.race([bounded().then(() => "claimed"), new Promise((r) => setTimeout(() => r("held"), 5_000))])).resolves.toBe(
      "claimed",
    );
  });

  it("holds a new job while a burst is still arriving, though nothing is being received between its requests", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const flag = deliveriesFirstFlag();
      const receiving = receivingDelivery(flag);
      const claimable = afterDeliveries(flag, 60_000);
      const claim = () => {
        const state = { claimed: false };
        void claimable().then(() => {
          state.claimed = true;
        });
        return state;
      };
      // Control: a lone delivery's job is not held once it is answered.
      receiving()();
      const lone = claim();
      await vi.advanceTimersByTimeAsync(0);
      expect(lone.claimed).toBe(true);
      // A second delivery right after the first: a burst; answered, nothing is being received.
      vi.advanceTimersByTime(BURST_GAP_MS - 1);
      receiving()();
      const inBurst = claim();
      await vi.advanceTimersByTimeAsync(BURST_GAP_MS - 1);
      expect(inBurst.claimed).toBe(false);
      // Another request of the burst moves its end.
      receiving()();
      await vi.advanceTimersByTimeAsync(BURST_GAP_MS - 1);
      expect(inBurst.claimed).toBe(false);
      await vi.advanceTimersByTimeAsync(2);
      expect(inBurst.claimed).toBe(true);
      // Deliveries further apart than the gap are no burst (control of the gap itself).
      vi.advanceTimersByTime(BURST_GAP_MS);
      receiving()();
      const apart = claim();
      await vi.advanceTimersByTimeAsync(0);
      expect(apart.claimed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
