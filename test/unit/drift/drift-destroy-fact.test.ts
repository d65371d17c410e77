import { describe, expect, it } from "vitest";
import { driftDestroyFact, markedTeardown } from "../../../src/drift/drift-destroy-fact.js";
import { planContent } from "../../../src/gate/plan-content.js";
import type { PlanSummary } from "../../../src/model/plan-summary.js";
import type { Project } from "../../../src/model/project.js";

const web: Project = { name: "web", dir: "web", workspace: "default", runner: "terraform" };
const settings = (projectAllows: boolean) => ({
  allowDestroyFor: () => projectAllows,
  driftFor: () => ({ allowDestroy: true }) as ReturnType<Parameters<typeof driftDestroyFact>[3]["driftFor"]>,
});
const deletes = (n: number): PlanSummary["resources"] =>
  Array.from({ length: n }, (_, i) => ({ address: `terraform_data.web_${i}`, action: "delete" as const }));

// A drift issue's plan saved by a Sluice before drift teardowns were held carries the runner's
// `teardown` and no `destroyPlan`: `/apply` on its issue after an upgrade must hold it all the same.
describe("a drift plan's teardown saved without destroyPlan", () => {
  const saved = { destroy: 3, replace: 0, resources: deletes(3), teardown: { destroys: 3, held: 3 } };

  it("is a destroy plan for the gate: the project's allow_destroy, the destroy rule, the destroy permission", () => {
    expect(driftDestroyFact("drift-issue", saved, web, settings(false))).toMatchObject({ destroys: true, allowed: false });
    expect(driftDestroyFact("reconcile", saved, web, settings(false))).toMatchObject({ destroys: true, allowed: false });
    const summary = markedTeardown({
      ...saved,
      add: 0,
      change: 0,
      move: 0,
      import: 0,
      forget: 0,
      moves: [],
      outputs: [],
      hasChanges: true,
    });
    expect(summary.destroyPlan).toBe(true);
    expect(planContent(summary, "terraform").destroyPlan).toBe(true);
  });

  it("control: an ordinary delete of one of four is no destroy plan, and allow_destroy lets a teardown through", () => {
    const one = { destroy: 1, replace: 0, resources: deletes(1) };
    expect(driftDestroyFact("drift-issue", one, web, settings(false))).toMatchObject({ destroys: false });
    expect(markedTeardown({ ...one, teardown: undefined }).destroyPlan).toBeUndefined();
    expect(driftDestroyFact("drift-issue", saved, web, settings(true))).toMatchObject({ destroys: true, allowed: true });
  });
});
