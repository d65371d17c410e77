import { describe, expect, it } from "vitest";
import { type MergeBlockersAnswer, toMergeBlockers } from "../../src/vcs/github/github-merge-blockers.js";

const HEAD = "c".repeat(40);
type Nodes = NonNullable<
  NonNullable<NonNullable<MergeBlockersAnswer["repository"]>["pullRequest"]>["commits"]["nodes"][number]
>["commit"]["statusCheckRollup"];
const answer = (rollup: Nodes, reviewDecision: "APPROVED" | null = null): MergeBlockersAnswer => ({
  repository: { pullRequest: { reviewDecision, commits: { nodes: [{ commit: { oid: HEAD, statusCheckRollup: rollup } }] } } },
});
const rollup = (nodes: NonNullable<Nodes>["contexts"]["nodes"], hasNextPage = false): Nodes => ({
  contexts: { pageInfo: { hasNextPage }, nodes },
});

describe("GitHub's rollup as the domain sees it", () => {
  it("check runs pass completed as success, neutral or skipped; statuses as success; expected and pending wait", () => {
    const b = toMergeBlockers(
      answer(
        rollup([
          {
            __typename: "CheckRun",
            name: "a",
            status: "COMPLETED",
            conclusion: "SKIPPED",
            isRequired: true,
            checkSuite: { app: { slug: "ci" } },
          },
          { __typename: "CheckRun", name: "b", status: "COMPLETED", conclusion: "STALE", isRequired: false },
          {
            __typename: "CheckRun",
            name: "sluice/apply",
            status: "IN_PROGRESS",
            conclusion: null,
            checkSuite: { app: { slug: "sluice" } },
          },
          { __typename: "StatusContext", context: "c", state: "EXPECTED", isRequired: true },
          { __typename: "StatusContext", context: "d", state: "ERROR", isRequired: null },
        ]),
        "APPROVED",
      ),
      "sluice",
      1,
    );
    expect(b).toEqual({
      reviewDecision: "APPROVED",
      headSha: HEAD,
      more: false,
      checks: [
        { kind: "check", name: "a", state: "passing", said: "skipped", required: true, own: false },
        { kind: "check", name: "b", state: "failing", said: "stale", required: false, own: false },
        // No isRequired in the answer: not known, so it counts.
        { kind: "check", name: "sluice/apply", state: "pending", said: "in_progress", own: true },
        { kind: "status", name: "c", state: "pending", said: "expected", required: true, own: false },
        { kind: "status", name: "d", state: "failing", said: "error", own: false },
      ],
    });
  });

  it("no rollup (nothing reported) is no checks; a next page is said; no pull request is an error", () => {
    expect(toMergeBlockers(answer(null), "sluice", 1)).toEqual({ reviewDecision: null, headSha: HEAD, checks: [], more: false });
    expect(toMergeBlockers(answer(rollup([], true)), "sluice", 1).more).toBe(true);
    expect(() => toMergeBlockers({ repository: { pullRequest: null } }, "sluice", 7)).toThrow(/no pull request #7/);
  });
});
