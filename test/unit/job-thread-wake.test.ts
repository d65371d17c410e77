import { describe, expect, it } from "vitest";
import { coalescedWake, wakePendingCell, wakeRead } from "../../src/app/job-thread-wake.js";

describe("job-thread wake-ups", () => {
  it("posts one wake-up while it is unread, and the next one once it was read", () => {
    const cell = wakePendingCell();
    let posted = 0;
    const wake = coalescedWake(cell, () => posted++);
    for (let i = 0; i < 50; i++) wake();
    expect(posted).toBe(1);
    // The job thread reads it (and then looks for every job committed so far).
    wakeRead(cell);
    wake();
    expect(posted).toBe(2);
    wake();
    expect(posted).toBe(2);
  });

  it("control: each wake-up is posted when the job thread reads each one before the next", () => {
    const cell = wakePendingCell();
    let posted = 0;
    const wake = coalescedWake(cell, () => {
      posted++;
      wakeRead(cell);
    });
    for (let i = 0; i < 5; i++) wake();
    expect(posted).toBe(5);
  });
});
