import { describe, expect, it, vi } from "vitest";
import { withReviewsNow } from "../../src/authorization/reviews-now.js";
import type { ApplyFacts } from "../../src/policy/check-apply-policy.js";
import { countApprovals } from "../../src/policy/count-approvals.js";
import type { Review } from "../../src/model/pull-request.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";

// Each project's gate reads the reviews again (an apply of several projects takes minutes): what
// it counts is what GitHub says now, at the cost of as few calls as can tell it.

const HEAD = "d".repeat(40);
const repo = { owner: "acme", name: "infra" };
const PR7 = { number: 7, headSha: HEAD, headRef: "grow", headRepo: "acme/infra" };
const review = (user: string, state: Review["state"]): Review => ({ user, state, commitId: HEAD, submittedAt: "2026-01-01T10:00:00Z" });
const started = (reviews: Review[], headPush: ApplyFacts["headPush"]): ApplyFacts => ({
  commenter: "alice",
  commenterPermission: "write",
  allowedByServer: false,
  author: "alice",
  headSha: HEAD,
  reviews,
  permissions: new Map([["carol", "write"]]),
  mergeable: { ok: true },
  undiverged: true,
  headPush,
});

describe("withReviewsNow", () => {
  it("an approval withdrawn since the job started counts no more, and no permission is asked again", async () => {
    const deps = await fakeJobDeps();
    deps.vcs.reviewsOf.set(7, [review("carol", "APPROVED"), review("carol", "CHANGES_REQUESTED")]);
    const asked = vi.spyOn(deps.vcs, "permissionOf");
    const then = started([review("carol", "APPROVED")], { sha: HEAD, known: true, pushers: ["alice"] });
    expect(countApprovals(then.reviews, then).approvers).toEqual(["carol"]);
    const now = await withReviewsNow(deps, deps.vcs, repo, PR7, then);
    expect(countApprovals(now.reviews, now).approvers).toEqual([]);
    expect(asked).not.toHaveBeenCalled();
  });

  it("an approval given since, of a head no push of which was heard: the commit's accounts are asked then, and stand in", async () => {
    const deps = await fakeJobDeps();
    deps.vcs.permissions.set("bob", "write");
    deps.vcs.permissions.set("dan", "write");
    deps.vcs.commitLogins.set(HEAD, ["bob"]);
    // No one approved when the job started: GitHub was not asked who wrote the commit.
    const then = started([], { sha: HEAD, known: false, standIns: [] });
    deps.vcs.reviewsOf.set(7, [review("bob", "APPROVED")]);
    const now = await withReviewsNow(deps, deps.vcs, repo, PR7, then);
    expect(now.headPush).toEqual({ sha: HEAD, known: false, standIns: ["bob"] });
    expect(countApprovals(now.reviews, now).approvers).toEqual([]);
    // Control: someone who did not write the commit counts.
    deps.vcs.reviewsOf.set(7, [review("bob", "APPROVED"), review("dan", "APPROVED")]);
    const later = await withReviewsNow(deps, deps.vcs, repo, PR7, then);
    expect(countApprovals(later.reviews, later).approvers).toEqual(["dan"]);
  });
});
