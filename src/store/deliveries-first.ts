/**
 * Deliveries go first: the HTTP thread and the job thread write to one SQLite file, and SQLite
 * has no fairness between writers. A job thread with many jobs writes again the moment its last
 * write ends, so a webhook's commit could wait behind dozens of them (each an fsync). A flag shared
 * between the two threads says "deliveries are waiting"; while it is up, the job thread holds its
 * next store call (never one in progress) until the deliveries are committed.
 */
export interface DeliveriesFirst {
  flag: SharedArrayBuffer;
  side: "deliveries" | "jobs";
}

/** Longest a job-thread store call waits: a bound, in case the HTTP thread stops mid-flush. */
const MAX_HOLD_MS = 200;

export function deliveriesFirstFlag(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

/** HTTP thread: raise while deliveries wait for the write lock, lower once they are committed. */
export function signalDeliveries(flag: SharedArrayBuffer): (waiting: boolean) => void {
  const cell = new Int32Array(flag);
  return (waiting) => {
    Atomics.store(cell, 0, waiting ? 1 : 0);
    if (!waiting) Atomics.notify(cell, 0);
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
        Atomics.wait(cell, 0, 1, maxHoldMs);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}
