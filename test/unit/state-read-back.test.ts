import { describe, expect, it } from "vitest";
import { checkReadBack, type ReadBackPlan } from "../../runners/terraform/state-read-back.js";
import { parseStatePull, type StateSnapshot } from "../../runners/terraform/state-scanner.js";
import { pushedReadBack } from "../../runners/terraform/terraform-state.js";
import { stateCommandReadBack } from "../../runners/terraform/state-command-read-back.js";

const state = (serial: number, names: string[], lineage = "l-1") =>
  JSON.stringify({
    version: 4,
    serial,
    lineage,
    resources: [
      ...names.map((name) => ({ mode: "managed", type: "terraform_data", name, instances: [{}] })),
      { mode: "data", type: "external", name: "read", instances: [{}] },
    ],
  });
const snap = (text: string) => parseStatePull(text) as StateSnapshot;
const plan = (resources: { address: string; action: string; previousAddress?: string }[], more: Partial<ReadBackPlan> = {}) =>
  ({ resources, moves: [], outputs: [], ...more }) as unknown as ReadBackPlan;

describe("the state read back", () => {
  it("parses what `state pull` gives: managed instances by address, empty output as no state yet, garbage as an error", () => {
    expect([...snap(state(3, ["a", "b"])).addresses]).toEqual(["terraform_data.a", "terraform_data.b"]);
    expect(snap("")).toMatchObject({ serial: 0, lineage: "" });
    expect(parseStatePull("<html>")).toEqual({ error: expect.stringContaining("not JSON") });
    expect(parseStatePull('{"resources":[]}')).toEqual({ error: expect.stringContaining("no serial and lineage") });
  });

  it("an apply counts when the state moved and holds what it created, not what it destroyed", () => {
    const p = plan([
      { address: "terraform_data.b", action: "create" },
      { address: "terraform_data.a", action: "delete" },
    ]);
    expect(checkReadBack(p, snap(state(3, ["a"])), snap(state(4, ["b"])))).toMatchObject({ ok: true, checked: 2 });
    // Controls, one broken at a time: not moved, created missing, destroyed still there.
    expect(checkReadBack(p, snap(state(3, ["a"])), snap(state(3, ["b"])))).toMatchObject({
      ok: false,
      message: expect.stringContaining("serial is still 3"),
    });
    expect(checkReadBack(p, snap(state(3, ["a"])), snap(state(4, [])))).toMatchObject({
      ok: false,
      message: expect.stringContaining("lacks"),
    });
    expect(checkReadBack(p, snap(state(3, ["a"])), snap(state(4, ["a", "b"])))).toMatchObject({
      ok: false,
      message: expect.stringContaining("still holds"),
    });
  });

  it("a plan that changes only the state (a move, an import, an output) counts when the state moved and holds it", () => {
    const move = plan([], { moves: [{ from: "terraform_data.a", to: "terraform_data.b" }] });
    expect(checkReadBack(move, snap(state(3, ["a"])), snap(state(4, ["b"])))).toMatchObject({ ok: true, checked: 2 });
    // A write the backend dropped: the state did not move.
    expect(checkReadBack(move, snap(state(3, ["a"])), snap(state(3, ["a"])))).toMatchObject({
      ok: false,
      message: expect.stringContaining("serial is still 3"),
    });
    expect(checkReadBack(move, snap(state(3, ["a"])), snap(state(4, ["a"])))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/lacks .*terraform_data\.b.*still holds .*terraform_data\.a/),
    });
    const imported = plan([], { imports: ["terraform_data.c"] });
    expect(checkReadBack(imported, snap(state(3, ["a"])), snap(state(4, ["a", "c"])))).toMatchObject({ ok: true });
    expect(checkReadBack(imported, snap(state(3, ["a"])), snap(state(4, ["a"])))).toMatchObject({ ok: false });
    const output = plan([], { outputs: [{ name: "x", action: "update", sensitive: false }] });
    expect(checkReadBack(output, snap(state(3, ["a"])), snap(state(4, ["a"])))).toMatchObject({ ok: true });
    expect(checkReadBack(output, snap(state(3, ["a"])), snap(state(3, ["a"])))).toMatchObject({ ok: false });
    // A resource moved and changed leaves its old address; a new one made at the old address stays.
    const movedAndNew = plan([
      { address: "terraform_data.b", action: "update", previousAddress: "terraform_data.a" },
      { address: "terraform_data.a", action: "create" },
    ]);
    expect(checkReadBack(movedAndNew, snap(state(3, ["a"])), snap(state(4, ["a", "b"])))).toMatchObject({ ok: true });
    // Control: a plan that changes nothing in the state may leave its serial.
    expect(checkReadBack(plan([]), snap(state(3, ["a"])), snap(state(3, ["a"])))).toMatchObject({ ok: true });
  });

  it("a push counts when the backend gives back the pushed lineage at its serial or later, with every resource pushed", () => {
    const pushed = state(5, ["a", "b"]);
    const before = snap(state(4, ["a"]));
    expect(pushedReadBack(pushed, before, snap(state(5, ["a", "b"])))).toBeUndefined();
    expect(pushedReadBack(pushed, before, snap(state(4, ["a"])))).toContain("serial 4");
    expect(pushedReadBack(pushed, before, snap(state(9, ["a", "b"], "other")))).toContain("lineage other");
    expect(pushedReadBack(pushed, before, snap(state(6, ["a"])))).toContain("lacks 1 of the pushed resources");
    expect(pushedReadBack(pushed, before, { error: "403" })).toContain("could not be read back");
    expect(pushedReadBack("garbage", before, snap(state(5, [])))).toContain("not a Terraform state");
    // Into an empty backend terraform writes a lineage of its own: the resources decide.
    const empty = snap("");
    expect(pushedReadBack(pushed, empty, snap(state(1, ["a", "b"], "fresh")))).toBeUndefined();
    expect(pushedReadBack(pushed, empty, snap(state(1, ["a"], "fresh")))).toContain("lacks");
  });

  it("/import and /state rm count when the state moved and holds the import, or none of what was removed", () => {
    const imp = { kind: "import" as const, address: "terraform_data.b", id: "x" };
    const rm = { kind: "rm" as const, addresses: ["terraform_data.a"] };
    expect(stateCommandReadBack(imp, snap(state(3, ["a"])), snap(state(4, ["a", "b"])))).toBeUndefined();
    expect(stateCommandReadBack(imp, snap(""), snap(state(1, ["b"])))).toBeUndefined();
    expect(stateCommandReadBack(imp, snap(state(3, ["a"])), snap(state(3, ["a"])))).toContain("did not reach it");
    expect(stateCommandReadBack(imp, snap(state(3, ["a"])), snap(state(4, ["a"])))).toContain("does not hold terraform_data.b");
    expect(stateCommandReadBack(rm, snap(state(3, ["a", "b"])), snap(state(4, ["b"])))).toBeUndefined();
    expect(stateCommandReadBack(rm, snap(state(3, ["a", "b"])), snap(state(4, ["a", "b"])))).toContain("still holds terraform_data.a");
    expect(stateCommandReadBack(rm, snap(state(3, ["a"])), { error: "boom" })).toContain("could not be read back");
  });
});
