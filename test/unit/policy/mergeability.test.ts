import { describe, expect, it } from "vitest";
import { mergeability } from "../../../src/policy/check-apply-policy.js";

const blocked = { mergeable: true, mergeableState: "blocked", draft: false };
const sluiceApply = { name: "sluice/apply", status: "in_progress", conclusion: null };

describe("mergeability: GitHub's, less Sluice's own checks", () => {
  it("a PR blocked for want of the reviews branch protection requires is not mergeable, whatever the checks", () => {
    expect(mergeability(blocked, [sluiceApply], "REVIEW_REQUIRED")).toEqual({
      ok: false,
      why: "it lacks the approving reviews its base branch's protection requires",
    });
    expect(mergeability(blocked, [sluiceApply], "CHANGES_REQUESTED")).toEqual({
      ok: false,
      why: "a reviewer requested changes (branch protection)",
    });
  });

  it("control: blocked only by Sluice's own pending check, with the reviews given or none required, it is", () => {
    expect(mergeability(blocked, [sluiceApply], "APPROVED")).toEqual({ ok: true });
    expect(mergeability(blocked, [sluiceApply], null)).toEqual({ ok: true });
  });

  it("control: another check still pending blocks it, reviews given or not", () => {
    expect(mergeability(blocked, [sluiceApply, { name: "ci/test", status: "queued", conclusion: null }], "APPROVED")).toEqual({
      ok: false,
      why: "check `ci/test` has not passed",
    });
  });
});
