import { type HeadPush, pushedHead } from "../model/head-push.js";
import type { Permission, Review } from "../model/pull-request.js";
import { isAgent } from "./is-agent.js";

export const WRITE_ACCESS: ReadonlySet<Permission> = new Set(["admin", "maintain", "write"]);

/** The approvals that count (sorted), and each approving reviewer left out with why. */
export interface CountedApprovals {
  approvers: string[];
  ignored: { user: string; why: string }[];
}

/**
 * Approvals that count: each reviewer's latest deciding review (APPROVED, CHANGES_REQUESTED or
 * DISMISSED; comments do not change a decision) must be an approval of the current head, by someone
 * with write access who is neither the PR's author nor the pusher of its head (GitHub's "approval
 * of the most recent push": someone who pushed to another's PR does not review their own push).
 */
export function countApprovals(
  reviews: readonly Review[],
  facts: {
    author: string;
    headSha: string;
    permissions: ReadonlyMap<string, Permission>;
    /** As agentsByAccount gives them: an agent that renamed is one by its account id. */
    agents?: readonly string[];
    /** Who pushed the head (or stands in for its unknown pusher); absent: no one is excluded for it. */
    headPush?: HeadPush;
  },
  /** When the plan being applied was made: an approval given before it did not see it. */
  planMadeAt?: string,
): CountedApprovals {
  const latest = new Map<string, Review>();
  const ordered = [...reviews].sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
  for (const r of ordered) {
    if (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED" || r.state === "DISMISSED") latest.set(r.user.toLowerCase(), r);
  }
  const approvers: string[] = [];
  const ignored: { user: string; why: string }[] = [];
  for (const r of latest.values()) {
    if (r.state !== "APPROVED") continue;
    if (r.user.toLowerCase() === facts.author.toLowerCase()) {
      ignored.push({ user: r.user, why: "is the author" });
    } else if (isAgent({ login: r.user, ...(r.userId !== undefined ? { id: r.userId } : {}) }, facts.agents ?? [])) {
      ignored.push({ user: r.user, why: "is an agent" });
    } else if (r.commitId !== facts.headSha) {
      ignored.push({ user: r.user, why: "approved an earlier commit" });
    } else if (pushedHead(facts.headPush, r.user, r.userId)) {
      ignored.push({ user: r.user, why: PUSHED_HEAD });
    } else if (planMadeAt !== undefined && Date.parse(r.submittedAt) < wholeSecond(planMadeAt)) {
      ignored.push({ user: r.user, why: "approved before this plan was made" });
    } else if (!WRITE_ACCESS.has(facts.permissions.get(r.user.toLowerCase()) ?? "none")) {
      ignored.push({ user: r.user, why: "has no write access" });
    } else {
      approvers.push(r.user);
    }
  }
  return { approvers: approvers.sort(), ignored };
}

/** Why an approval by the head's pusher (or its stand-in) was not counted. */
export const PUSHED_HEAD = "pushed the head commit";

/** GitHub's review times have whole seconds: an approval in the plan's own second counts. */
const wholeSecond = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;

/** Reviewers whose permission matters for counting: those whose latest decision is an approval. */
export function approvingReviewers(reviews: readonly Review[]): string[] {
  const latest = new Map<string, Review["state"]>();
  for (const r of [...reviews].sort((a, b) => a.submittedAt.localeCompare(b.submittedAt))) {
    if (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED" || r.state === "DISMISSED") latest.set(r.user, r.state);
  }
  return [...latest].filter(([, s]) => s === "APPROVED").map(([u]) => u);
}
