import { describe, expect, it } from "vitest";
import type { PolicyCheck } from "../../../src/model/policy-check.js";
import { countingPolicyApprovals } from "../../../src/policy/counting-policy-approvals.js";

const failed = (name: string, ...failures: string[]): PolicyCheck["sets"][number] => ({
  name,
  status: "failed",
  successes: 0,
  failures,
  warnings: [],
});
const check = (...sets: PolicyCheck["sets"]): PolicyCheck => ({ sets });

describe("countingPolicyApprovals: the approvals that count for a plan's policy sets", () => {
  it("an identical earlier plan's approval counts for a set that failed there with the same failures, in any order", () => {
    const now = { check: check(failed("no_data", "b", "a")), approvals: [] };
    const earlier = [{ check: check(failed("no_data", "a", "b")), approvals: [{ policySet: "no_data", user: "sec" }] }];
    expect(countingPolicyApprovals(now, earlier)).toEqual([{ policySet: "no_data", user: "sec" }]);
  });

  it("control: not for a set whose failures read otherwise now, nor for another set, nor for a set that passes now", () => {
    const now = {
      check: check(failed("no_data", "reworded"), { name: "tags", status: "passed", successes: 1, warnings: [] }),
      approvals: [{ policySet: "no_data", user: "carol" }],
    };
    const earlier = [
      {
        check: check(failed("no_data", "original"), failed("tags", "x"), failed("other", "y")),
        approvals: [
          { policySet: "no_data", user: "sec" },
          { policySet: "tags", user: "sec" },
          { policySet: "other", user: "sec" },
        ],
      },
    ];
    expect(countingPolicyApprovals(now, earlier)).toEqual([{ policySet: "no_data", user: "carol" }]);
  });

  it("control: an earlier plan with no recorded outcome carries nothing", () => {
    const now = { check: check(failed("no_data", "a")), approvals: [] };
    expect(countingPolicyApprovals(now, [{ check: undefined, approvals: [{ policySet: "no_data", user: "sec" }] }])).toEqual([]);
  });
});
