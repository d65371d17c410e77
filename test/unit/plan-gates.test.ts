import { describe, expect, it } from "vitest";
import { checkPlanGates, type PlanGateFacts } from "../../src/policy/check-plan-gates.js";
import { ALLOWED, refuse } from "../../src/policy/decision.js";

const ok: PlanGateFacts = {
  plan: { headSha: "a".repeat(40), baseSha: "b".repeat(40) },
  pr: { headSha: "a".repeat(40), baseSha: "b".repeat(40) },
  merged: false,
  changedByPr: true,
  requirements: ALLOWED,
  stillPending: true,
  lockHeld: true,
  fileIntact: true,
  policies: { passed: true },
};

describe("checkPlanGates", () => {
  it("allows a fresh, covered, locked, intact plan", () => {
    expect(checkPlanGates(ok)).toEqual(ALLOWED);
  });

  it.each<[string, Partial<PlanGateFacts>, string]>([
    ["head moved", { pr: { headSha: "c".repeat(40), baseSha: "b".repeat(40) } }, "the plan is stale"],
    ["base moved", { pr: { headSha: "a".repeat(40), baseSha: "d".repeat(40) } }, "the base branch moved"],
    ["a project the PR does not change", { changedByPr: false }, "not changed by this pull request"],
    ["requirements unmet", { requirements: refuse("needs 1 more approval") }, "needs 1 more approval"],
    ["plan replaced while waiting", { stillPending: false }, "replaced or discarded"],
    ["lock released", { lockHeld: false }, "no longer holds the project's lock"],
    ["plan file changed", { fileIntact: false }, "missing or changed"],
    [
      "plan file only on another replica",
      { fileIntact: false, fileProblem: "only the replica that made it" },
      "only the replica that made it. Comment `/plan`",
    ],
    [
      "a policy set failed",
      {
        policies: {
          passed: false,
          blocking: [{ name: "no_data", reason: "failed", approvals: 0, needed: 1, owners: { users: ["sec"], teams: [] } }],
        },
      },
      "policy set `no_data` failed and needs 1 more policy approval (0/1) from @sec",
    ],
    [
      "a policy set could not be evaluated",
      {
        policies: {
          passed: false,
          blocking: [
            {
              name: "tags",
              reason: "error",
              message: "conftest exited with code 2",
              approvals: 0,
              needed: 1,
              owners: { users: [], teams: [] },
            },
          ],
        },
      },
      "policy set `tags` could not be evaluated (conftest exited with code 2); this fails closed",
    ],
  ])("refuses: %s", (_, change, phrase) => {
    const d = checkPlanGates({ ...ok, ...change });
    expect(d.allowed).toBe(false);
    expect(d.allowed ? "" : d.reasons.join(" ")).toContain(phrase);
  });

  it("at merge the base has moved by definition; everything else still holds", () => {
    const merged = { ...ok, merged: true, pr: { headSha: ok.plan.headSha, baseSha: "e".repeat(40) } };
    expect(checkPlanGates(merged)).toEqual(ALLOWED);
    expect(checkPlanGates({ ...merged, changedByPr: false }).allowed).toBe(false);
    expect(checkPlanGates({ ...merged, fileIntact: false }).allowed).toBe(false);
  });
});
