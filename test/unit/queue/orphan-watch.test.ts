import { describe, expect, it } from "vitest";
import { createOrphanWatch } from "../../../src/queue/orphan-watch.js";

/** A watch whose looks answer `answers` in turn; counts recoveries. */
function watch(answers: boolean[]) {
  let recovered = 0;
  const tick = createOrphanWatch({
    anyOrphans: async () => answers.shift() ?? false,
    recover: async () => {
      recovered++;
    },
  });
  return { tick, recovered: () => recovered };
}

describe("the look for dead replicas' work", () => {
  it.each([
    { answers: [true], recoveries: 0, why: "one yes is not enough" },
    { answers: [true, true], recoveries: 1, why: "two in a row recover" },
    { answers: [true, false, true], recoveries: 0, why: "a no in between starts over (a session that came back)" },
    { answers: [true, true, true], recoveries: 1, why: "after a recovery, the next yes counts as the first" },
    { answers: [true, true, true, true], recoveries: 2, why: "still there later: recovered again" },
    { answers: [false, false], recoveries: 0, why: "nothing to recover" },
  ])("$answers → $recoveries recoveries: $why", async ({ answers, recoveries }) => {
    const w = watch([...answers]);
    for (const _ of answers) await w.tick();
    expect(w.recovered()).toBe(recoveries);
  });

  it("never runs two looks at once: a tick while one is under way does nothing", async () => {
    let release = () => {};
    let asked = 0;
    const tick = createOrphanWatch({
      anyOrphans: () => {
        asked++;
        return new Promise<boolean>((res) => {
          release = () => res(false);
        });
      },
      recover: async () => {},
    });
    const first = tick();
    await tick();
    release();
    await first;
    expect(asked).toBe(1);
  });
});
