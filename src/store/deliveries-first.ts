/**
 * Deliveries go first, in two ways, over memory the HTTP thread and the job thread share.
 *
 * The store's writes (embedded store only): the two threads write to one SQLite file, and SQLite
 * has no fairness between writers. A job thread with many jobs writes again the moment its last
 * write ends, so a webhook's commit could wait behind dozens of them (each an fsync). A flag says
 * "deliveries are waiting"; while it is up, the job thread holds its next store call (never one in
 * progress) until the deliveries are committed.
 *
 * New jobs (either store): while deliveries are being received, or a burst of them is still
 * arriving, the job thread starts no new job, for a bounded time (see afterDeliveries), so that a
 * burst is answered before its jobs compete for the same cores.
 */
export interface DeliveriesFirst {
  flag: SharedArrayBuffer;
  side: "deliveries" | "jobs";
}

/** Longest a job-thread store call waits: a bound, in case the HTTP thread stops mid-flush. */
const MAX_HOLD_MS = 200;

/**
 * The flag's cells: deliveries waiting for the write lock; deliveries being received; until when
 * (wall-clock ms, modulo 2^31) a burst counts as still arriving.
 */
const WAITING = 0;
const RECEIVING = 1;
const BURST_UNTIL = 2;

/**
 * Two deliveries that start this close together are a burst, and a burst counts as arriving until
 * this long after its last start. Between two requests of a burst nothing is being received for a
 * moment (50 in flight on a new connection each: the count touched zero often enough that jobs
 * started all through a 500-delivery burst); a lone delivery's job is not held at all.
 */
export const BURST_GAP_MS = 10;

export function deliveriesFirstFlag(): SharedArrayBuffer {
  return new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
}

/** Wall-clock ms modulo 2^31: both threads read the same clock, and an Int32 cell holds it. */
const clockMs = () => Date.now() % 2 ** 31;
/** `a - b` for two clockMs readings less than 2^30 ms apart. */
const since = (a: number, b: number) => ((a - b) << 1) >> 1;

/** HTTP thread: raise while deliveries wait for the write lock, lower once they are committed. */
export function signalDeliveries(flag: SharedArrayBuffer): (waiting: boolean) => void {
  const cell = new Int32Array(flag);
  return (waiting) => {
    Atomics.store(cell, WAITING, waiting ? 1 : 0);
    if (!waiting) Atomics.notify(cell, WAITING);
  };
}

/** Job thread: every call of `target`'s methods first lets waiting deliveries commit. */
export function yieldingToDeliveries<T extends object>(target: T, flag: SharedArrayBuffer, maxHoldMs = MAX_HOLD_MS): T {
  const cell = new Int32Array(flag);
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        // Returns at once when the flag is down; blocks this (worker) thread only.
        Atomics.wait(cell, WAITING, 1, maxHoldMs);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

/**
 * Longest one request counts as being received. A delivery from GitHub is read and answered in a
 * few milliseconds; a request is counted before its signature can be checked, so one that is
 * kept open (anyone can send one) stops counting after this.
 */
const MAX_RECEIVING_MS = 100;

/**
 * HTTP thread: counts a delivery from the moment its request is handled until its answer, or for
 * `maxMs` at most; call the returned function once it is answered (whatever the answer).
 */
export function receivingDelivery(flag: SharedArrayBuffer, maxMs = MAX_RECEIVING_MS): () => () => void {
  const cell = new Int32Array(flag);
  let lastStart: number | undefined;
  return () => {
    Atomics.add(cell, RECEIVING, 1);
    const now = clockMs();
    if (lastStart !== undefined && since(now, lastStart) < BURST_GAP_MS) Atomics.store(cell, BURST_UNTIL, now + BURST_GAP_MS);
    lastStart = now;
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      clearTimeout(cap);
      if (Atomics.sub(cell, RECEIVING, 1) === 1) Atomics.notify(cell, RECEIVING);
    };
    const cap = setTimeout(end, maxMs);
    cap.unref();
    return end;
  };
}

// Node has had Atomics.waitAsync since 16; TypeScript types it from lib ES2024 only.
type WaitAsync = (cell: Int32Array, index: number, value: number, timeoutMs: number) => { value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * Longest a new job waits for deliveries being received: a bound, so a steady stream cannot starve
 * the queue. At 50 ms the job thread still took a third of a core during a 500-delivery burst and
 * the acknowledgements' p99 was 1.8x the trivial server's; at 200 ms, 1.6x (bench/ingress.ts).
 * Holding through a burst's gaps too (BURST_GAP_MS): of a round's 500 jobs, 26–74 had posted
 * their reply by the time the sending process was done before, 2–79 after; p99 against the
 * trivial server's, six runs each way: 1.53–2.14x (median 1.94) before, 1.39–2.28x (median 1.49)
 * after.
 */
const MAX_CLAIM_HOLD_MS = 200;

/**
 * Job thread: resolves once no delivery is being received and no burst is arriving, or after
 * `maxHoldMs`. Called before a new job is claimed, so that a burst of deliveries is acknowledged
 * without the jobs it queued competing for the same cores; jobs already running go on.
 */
export function afterDeliveries(flag: SharedArrayBuffer, maxHoldMs = MAX_CLAIM_HOLD_MS): () => Promise<void> {
  const cell = new Int32Array(flag);
  return async () => {
    const deadline = performance.now() + maxHoldMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      const n = Atomics.load(cell, RECEIVING);
      if (n > 0) {
        const waited = waitAsync(cell, RECEIVING, n, left).value;
        // Changed in between ("not-equal" at once): look again on the next turn, not in a tight loop.
        await (typeof waited === "string" ? new Promise((r) => setImmediate(r)) : waited);
        continue;
      }
      const arriving = since(Atomics.load(cell, BURST_UNTIL), clockMs());
      // More than the gap ahead: not a time the HTTP thread wrote lately (the cell starts at 0).
      if (arriving <= 0 || arriving > BURST_GAP_MS) return;
      await new Promise((r) => setTimeout(r, Math.min(arriving, left)));
    }
  };
}
