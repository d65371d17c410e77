import { describe, expect, it } from "vitest";
import { approvalsFrom, identicalEarlierPlans } from "../../../src/policy/approvals-from.js";

const address = (i: number) => `terraform_data.net_${i}`;
const summary = (count: number) => ({
  resources: Array.from({ length: count }, (_, i) => ({ address: address(i), action: "create" })),
  outputs: [],
  changeHashes: Object.fromEntries(Array.from({ length: count }, (_, i) => [address(i), `digest-${i}`])),
});
const plan = (id: number, headSha: string, baseSha: string, count = 2) => ({
  id,
  headSha,
  baseSha,
  createdAt: `2026-01-01T00:00:${String(id * 10).padStart(2, "0")}Z`,
  summary: summary(count) as never,
});

describe("approvalsFrom: from when approvals count for a plan", () => {
  it("a re-plan of the same head, unchanged, after its base branch moved keeps the approvals of the first", () => {
    const first = plan(1, "h1", "b1");
    const again = plan(2, "h1", "b2");
    expect(approvalsFrom([first, again], again)).toEqual({ from: first.createdAt });
  });

  it("control: a re-plan after the base moved that changed the plan counts from itself, saying what changed", () => {
    const first = plan(1, "h1", "b1", 1);
    const again = plan(2, "h1", "b2", 2);
    const since = approvalsFrom([first, again], again);
    expect(since.from).toBe(again.createdAt);
    expect(since.changed).toBeDefined();
  });

  it("control: a plan of another head never carries approvals over", () => {
    const first = plan(1, "h0", "b1");
    const again = plan(2, "h1", "b1");
    expect(approvalsFrom([first, again], again)).toEqual({ from: again.createdAt });
  });
});

describe("identicalEarlierPlans: the earlier plans whose approvals may carry over", () => {
  it("walks back through identical re-plans of the same head, newest first, and stops at the first that differs", () => {
    const differs = plan(1, "h1", "b0", 1);
    const first = plan(2, "h1", "b1");
    const second = plan(3, "h1", "b2");
    const now = plan(4, "h1", "b3");
    expect(identicalEarlierPlans([differs, first, second, now], now).map((p) => p.id)).toEqual([3, 2]);
    expect(identicalEarlierPlans([differs, first], differs)).toEqual([]);
  });
});
