import { describe, expect, it } from "vitest";
import { summarizePlan } from "../../../runners/terraform/summarize-plan.js";
import type { PlanSummary } from "../../../src/model/plan-summary.js";
import { approvalsFrom, identicalEarlierPlans } from "../../../src/policy/approvals-from.js";
import { compareChanges } from "../../../src/policy/compare-changes.js";

/** A plan that only imports `aws_iam_role.app` (its config matches the object): which object is `id`. */
function importOnly(id: string): PlanSummary {
  const object = { name: id, arn: `arn:aws:iam::1:role/${id}` };
  const result = summarizePlan({
    format_version: "1.2",
    planned_values: { root_module: {} },
    resource_changes: [
      {
        address: "aws_iam_role.app",
        mode: "managed",
        type: "aws_iam_role",
        change: { actions: ["no-op"], before: object, after: object, importing: { id } },
      },
    ],
  });
  if (!result.ok) throw new Error(result.error);
  return result.summary;
}

const history = (first: PlanSummary, second: PlanSummary) => {
  const at = (id: number, summary: PlanSummary) => ({
    id,
    headSha: "h1",
    baseSha: `b${id}`,
    createdAt: `2026-01-0${id}T00:00:00Z`,
    summary,
  });
  return [at(1, first), at(2, second)] as const;
};

// An import block's id may come from a variable: `/plan -- -var role=…` re-plans the same head and
// brings another object under Terraform. What the reviewers and policy owners approved was the import
// of one object; the re-plan must not count as identical to it.
describe("a re-plan that imports another object is not the approved plan", () => {
  it("the import of another id differs, so neither review nor policy approvals carry over", () => {
    const [approved, replan] = history(importOnly("app-role"), importOnly("org-admin"));
    expect(compareChanges(approved.summary, replan.summary)).toBeDefined();
    expect(identicalEarlierPlans([approved, replan], replan)).toEqual([]);
    expect(approvalsFrom([approved, replan], replan).from).toBe(replan.createdAt);
  });

  it("control: a re-plan importing the same object is identical, and the approvals carry over", () => {
    const [approved, replan] = history(importOnly("app-role"), importOnly("app-role"));
    expect(compareChanges(approved.summary, replan.summary)).toBeUndefined();
    expect(identicalEarlierPlans([approved, replan], replan)).toEqual([approved]);
    expect(approvalsFrom([approved, replan], replan).from).toBe(approved.createdAt);
  });
});
