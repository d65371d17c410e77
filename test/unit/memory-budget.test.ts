import { describe, expect, it } from "vitest";
import { availableMemory, createMemoryBudget, defaultBudget } from "../../runners/memory-budget.js";

const MiB = 1024 ** 2;
const tick = () => new Promise((r) => setImmediate(r));
const k = (project: string, step = "terraform plan") => ({ project, step });

describe("memory budget", () => {
  it("admits runs while they fit, holds the next until one ends, and says why it waits", async () => {
    const budget = createMemoryBudget(1000 * MiB, 400 * MiB);
    const a = await budget.admit(k("a"));
    const b = await budget.admit(k("b"));
    expect(budget.inUse()).toBe(800 * MiB);
    const said: string[] = [];
    let cAdmitted = false;
    const c = budget
      .admit(k("c"), (why) => said.push(why))
      .then((release) => {
        cAdmitted = true;
        return release;
      });
    await tick();
    expect(cAdmitted).toBe(false);
    expect(said).toEqual([
      "queued: waiting for memory (this run is expected to need 400 MiB; 800 MiB of the 1000 MiB budget are taken by runs in progress)",
    ]);
    a();
    const releaseC = await c;
    expect(cAdmitted).toBe(true);
    expect(budget.inUse()).toBe(800 * MiB);
    b();
    releaseC();
    expect(budget.inUse()).toBe(0);
  });

  it("learns each key's peak for its next runs", async () => {
    const budget = createMemoryBudget(1000 * MiB, 400 * MiB);
    (await budget.admit(k("small")))(50 * MiB);
    expect(budget.estimate(k("small"))).toBe(50 * MiB);
    // Another project's first plan is taken to need what plans were seen to need; another step, the default.
    expect(budget.estimate(k("other"))).toBe(50 * MiB);
    expect(budget.estimate(k("other", "terraform init"))).toBe(400 * MiB);
    // Ten small runs fit where two default ones did.
    const releases = await Promise.all(Array.from({ length: 10 }, () => budget.admit(k("small"))));
    expect(budget.inUse()).toBe(500 * MiB);
    for (const r of releases) r();
  });

  it("keeps arrival order: a small run does not overtake a big one that waits", async () => {
    const budget = createMemoryBudget(1000 * MiB, 100 * MiB);
    (await budget.admit(k("big")))(950 * MiB);
    const first = await budget.admit(k("x", "x"));
    const order: string[] = [];
    const big = budget.admit(k("big")).then((r) => {
      order.push("big");
      return r;
    });
    const small = budget.admit(k("small", "small")).then((r) => {
      order.push("small");
      return r;
    });
    await tick();
    expect(order).toEqual([]);
    first();
    (await big)();
    (await small)();
    expect(order).toEqual(["big", "small"]);
  });

  it("a run larger than the whole budget still runs, alone", async () => {
    const budget = createMemoryBudget(100 * MiB, 500 * MiB);
    const huge = await budget.admit(k("huge"));
    expect(budget.inUse()).toBe(500 * MiB);
    let next = false;
    const other = budget.admit(k("other")).then((r) => {
      next = true;
      return r;
    });
    await tick();
    expect(next).toBe(false);
    huge();
    (await other)();
    expect(budget.inUse()).toBe(0);
  });

  it("a release counts once", async () => {
    const budget = createMemoryBudget(1000 * MiB, 100 * MiB);
    const r = await budget.admit(k("a"));
    r();
    r();
    expect(budget.inUse()).toBe(0);
  });

  it("the default budget is three quarters of the container's limit, else of the machine", () => {
    const v2 = (p: string) => (p.endsWith("memory.max") ? "2147483648\n" : "");
    expect(availableMemory(v2)).toBe(2 * 1024 ** 3);
    const none = (p: string) => (p.endsWith("memory.max") ? "max\n" : "9223372036854771712\n");
    expect(availableMemory(none)).toBeGreaterThan(0);
    expect(availableMemory(none)).toBeLessThan(2 ** 60);
    expect(defaultBudget(4 * 1024 ** 3)).toBe(3 * 1024 ** 3);
  });
});

describe("memory budget: many waiting", () => {
  it("when a run ends, lets in only as many waiting runs as fit, each estimated by what was just learned", async () => {
    const budget = createMemoryBudget(250 * MiB, 512 * MiB);
    const first = await budget.admit(k("p0"));
    let admitted = 0;
    const rest = Array.from({ length: 5 }, (_, i) =>
      budget.admit(k(`p${i + 1}`)).then((r) => {
        admitted++;
        return r;
      }),
    );
    await tick();
    expect(admitted).toBe(0);
    // The first plan peaked at 100 MiB: the others are taken to need that, and two fit in 250.
    first(100 * MiB);
    await tick();
    expect(admitted).toBe(2);
    expect(budget.inUse()).toBe(200 * MiB);
    for (const r of rest) (await r)(100 * MiB);
    expect(budget.inUse()).toBe(0);
  });
});
