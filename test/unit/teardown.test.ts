import { describe, expect, it } from "vitest";
import type { ResourceChange } from "../../src/model/plan-summary.js";
import { deletedOf, teardownOf } from "../../runners/terraform/teardown.js";
import { prTeardownOf } from "../../src/gate/pr-teardown.js";

const held = (...names: string[]) => new Set(names.map((n) => `terraform_data.${n}`));
const change = (name: string, action: ResourceChange["action"], previous?: string): ResourceChange => ({
  address: `terraform_data.${name}`,
  action,
  ...(previous ? { previousAddress: `terraform_data.${previous}` } : {}),
});

describe("teardownOf: a plan that deletes most of what its state holds", () => {
  it("every resource deleted, one throwaway created: a teardown", () => {
    expect(teardownOf([change("a", "delete"), change("b", "delete"), change("keep", "create")], held("a", "b"))).toEqual({
      destroys: 2,
      held: 2,
    });
  });

  it("all but one of three deleted, one moved to a throwaway address first: a teardown", () => {
    const resources = [change("a", "delete"), change("throwaway", "delete", "b")];
    expect(teardownOf(resources, held("a", "b", "c"))).toEqual({ destroys: 2, held: 3 });
  });

  it("a prior state that lists fewer than it deletes (none read) cannot make it partial", () => {
    expect(teardownOf([change("a", "delete")], undefined)).toEqual({ destroys: 1, held: 1 });
    expect(teardownOf([change("a", "delete"), change("b", "delete")], held("a"))).toEqual({ destroys: 2, held: 2 });
  });

  it("what the plan imports (terraform writes it into the prior state) does not dilute its deletes", () => {
    const imports = ['terraform_data.junk["a"]', 'terraform_data.junk["b"]', 'terraform_data.junk["c"]'];
    const importedWithChange: ResourceChange = { address: 'terraform_data.junk["d"]', action: "update", importing: true };
    const prior = held("a", "b", 'junk["a"]', 'junk["b"]', 'junk["c"]', 'junk["d"]');
    expect(teardownOf([change("a", "delete"), change("b", "delete"), importedWithChange], prior, imports)).toEqual({
      destroys: 2,
      held: 2,
    });
    // Control: the same imports beside one delete of the two real resources are no teardown.
    expect(teardownOf([change("a", "delete"), importedWithChange], prior, imports)).toBeUndefined();
  });

  it("control: one of four deleted, one of two, creates and updates, forgets and deposed objects are no teardown", () => {
    expect(teardownOf([change("a", "delete")], held("a", "b", "c", "d"))).toBeUndefined();
    expect(teardownOf([change("a", "delete")], held("a", "b"))).toBeUndefined();
    expect(teardownOf([change("a", "update"), change("n", "create"), change("b", "replace")], held("a", "b"))).toBeUndefined();
    // `removed` with `destroy = false`: the objects stay where they are.
    expect(teardownOf([change("a", "forget"), change("b", "forget")], held("a", "b"))).toBeUndefined();
    expect(teardownOf([{ address: "terraform_data.a (deposed 00000001)", action: "delete" }], held("a"))).toBeUndefined();
  });
});

describe("prTeardownOf: a plan's deletes with those its pull request already applied to the project", () => {
  const applied = (...changes: ResourceChange[]) => ({ summary: { resources: changes }, succeeded: true });
  it("one resource at a time, each applied: the second of three is a teardown of what the project held before", () => {
    const now = deletedOf([change("b", "delete")], held("b", "c"));
    expect(now).toEqual({ destroys: 1, held: 2 });
    expect(prTeardownOf(now, [applied(change("a", "delete"))])).toEqual({ destroys: 2, held: 3, applied: 1 });
  });

  it("throwaways the pull request created or imported first do not dilute its deletes", () => {
    const now = deletedOf([change("b", "delete")], held("b", "c", "t1", "t2", "t3"));
    const first = applied(change("a", "delete"), change("t1", "create"), change("t2", "create"), {
      address: "terraform_data.t3",
      action: "update",
      importing: true,
    });
    expect(prTeardownOf(now, [first])).toEqual({ destroys: 2, held: 3, applied: 1 });
  });

  it("control: two of four in two steps, a first apply that deleted nothing, or no delete now, are no teardown", () => {
    expect(prTeardownOf(deletedOf([change("b", "delete")], held("b", "c", "d")), [applied(change("a", "delete"))])).toBeUndefined();
    expect(prTeardownOf(deletedOf([change("a", "delete")], held("a", "b", "c")), [applied(change("x", "update"))])).toBeUndefined();
    expect(prTeardownOf(deletedOf([change("a", "update")], held("a")), [applied(change("b", "delete"))])).toBeUndefined();
  });

  it("throwaways an earlier apply created before the pull request deleted anything do not dilute its deletes", () => {
    const real = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    const junk = real.map((n) => `t${n}`);
    const now = deletedOf(
      real.slice(0, 6).map((n) => change(n, "delete")),
      held(...real, ...junk),
    );
    expect(now).toEqual({ destroys: 6, held: 20 });
    expect(
      prTeardownOf(
        now,
        [applied(...junk.map((n) => change(n, "create")))],
        real.slice(0, 6).map((n) => change(n, "delete")),
      ),
    ).toEqual({
      destroys: 6,
      held: 10,
      applied: 0,
    });
    // Control: the same creates beside one delete of the ten real resources are no teardown.
    expect(
      prTeardownOf(
        deletedOf([change("a", "delete")], held(...real, ...junk)),
        [applied(...junk.map((n) => change(n, "create")))],
        [change("a", "delete")],
      ),
    ).toBeUndefined();
  });

  it("control: deleting what the pull request itself created is none of what the project held", () => {
    // Four resources; the first apply adds three and deletes one of the four, the second drops the three again.
    const first = applied(change("n1", "create"), change("n2", "create"), change("n3", "create"), change("a", "delete"));
    const planned = [change("n1", "delete"), change("n2", "delete"), change("n3", "delete")];
    const now = deletedOf(planned, held("b", "c", "d", "n1", "n2", "n3"));
    expect(prTeardownOf(now, [first], planned)).toBeUndefined();
    // ... but a real one deleted beside them is counted: two of the four.
    const more = [...planned, change("b", "delete")];
    expect(prTeardownOf(deletedOf(more, held("b", "c", "d", "n1", "n2", "n3")), [first], more)).toBeUndefined();
    const most = [...more, change("c", "delete")];
    expect(prTeardownOf(deletedOf(most, held("b", "c", "d", "n1", "n2", "n3")), [first], most)).toEqual({
      destroys: 3,
      held: 4,
      applied: 1,
    });
  });

  it("what a failed apply deleted before it stopped counts: the second of three after a failed first is a teardown", () => {
    // web_2 deleted, then the apply failed on boom's create (tainted, in the state now).
    const failed = { summary: { resources: [change("c", "delete"), change("boom", "create")] }, succeeded: false };
    const planned = [change("b", "delete")];
    const now = deletedOf(planned, held("a", "b", "boom"));
    expect(prTeardownOf(now, [failed], planned)).toEqual({ destroys: 2, held: 3, applied: 1 });
    // Control: a retry of the failed delete is counted once: one of two.
    const retry = [change("a", "delete")];
    const failedFirst = { summary: { resources: retry }, succeeded: false };
    expect(prTeardownOf(deletedOf(retry, held("a", "b")), [failedFirst], retry)).toBeUndefined();
    // ... as is one a later apply made: one of three and then one of two is two of three, not three.
    expect(
      prTeardownOf(
        deletedOf([change("b", "delete")], held("b", "c")),
        [failedFirst, applied(change("a", "delete"))],
        [change("b", "delete")],
      ),
    ).toEqual({ destroys: 2, held: 3, applied: 1 });
  });
});
