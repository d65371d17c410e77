import { describe, expect, it } from "vitest";
import { oneAtATime } from "../../src/util/one-at-a-time.js";

describe("oneAtATime", () => {
  it("a call while a run is under way shares it; one after it settles starts anew, after a failure too", async () => {
    let runs = 0;
    let finish: (() => void) | undefined;
    let fail = false;
    const run = oneAtATime(async () => {
      runs++;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      if (fail) throw new Error("down");
      return runs;
    });
    const first = run();
    const second = run();
    expect(second).toBe(first);
    finish?.();
    expect(await first).toBe(1);
    expect(runs).toBe(1);
    // Control: after it settled, a call runs again.
    fail = true;
    const third = run();
    expect(third).not.toBe(first);
    finish?.();
    await expect(third).rejects.toThrow("down");
    fail = false;
    const fourth = run();
    finish?.();
    expect(await fourth).toBe(3);
  });
});
