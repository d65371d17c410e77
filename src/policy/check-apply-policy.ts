import { type HeadPush, headPushNote } from "../model/head-push.js";
import type { Requirement } from "../model/repo-config.js";
import type { Permission, Review } from "../model/pull-request.js";
import { checkCommandPermission } from "./check-command-permission.js";
import { type CodeOwnerFacts, checkCodeOwners } from "./code-owners.js";
import { type CountedApprovals, countApprovals, PUSHED_HEAD } from "./count-approvals.js";
import { combine, type Decision, refuse } from "./decision.js";
import { listSome } from "../util/list-some.js";

/** Everything the apply policy looks at, gathered by the job from GitHub and git. */
export interface ApplyFacts {
  commenter: string;
  commenterPermission: Permission;
  /** Server config: users (and members of teams) allowed to apply regardless of repo permission. */
  allowedByServer: boolean;
  author: string;
  headSha: string;
  reviews: readonly Review[];
  permissions: ReadonlyMap<string, Permission>;
  mergeable: { ok: true } | { ok: false; why: string };
  /** The head contains the base branch tip. */
  undiverged: boolean;
  /** For `verified_commits`: the PR's commits GitHub does not show as verified (empty when all are, or not asked). */
  unverified?: readonly string[];
  /** The server's `agents`: their approvals never count. */
  agents?: readonly string[];
  /** Who pushed the head commit (or, unknown, its author and committer): their approval does not count. */
  headPush: HeadPush;
}

/** Who may apply: write access on the repo, or named by the server config. */
export function checkApplier(f: Pick<ApplyFacts, "commenter" | "commenterPermission" | "allowedByServer">): Decision {
  return checkCommandPermission("apply", {
    user: f.commenter,
    permission: f.commenterPermission,
    allowedByServer: f.allowedByServer,
    needed: "write",
  });
}

/**
 * The project's requirements, evaluated over the facts; each unmet one says exactly what is
 * missing. Approvals count for a plan only when given after it was made: what was approved is
 * what gets applied.
 */
export function checkRequirements(
  requirements: readonly Requirement[],
  approvalsNeeded: number,
  f: ApplyFacts,
  /**
   * Approvals count from `from` on (when the plan, or an identical earlier plan of the same
   * commits, was made); `changed` says how the plan differs from the one earlier approvals saw;
   * `counted`: the approvals already counted so (the gate's requirement facts), else counted here.
   */
  approvals: { from?: string; changed?: string; counted?: CountedApprovals } = {},
  /** For `code_owners`: the plan's files and their owners from the base branch's CODEOWNERS. */
  codeOwners?: CodeOwnerFacts,
): Decision {
  const planMadeAt = approvals.from;
  let counted = approvals.counted;
  // Counted once for every requirement that reads them.
  const count = () => (counted ??= countApprovals(f.reviews, f, planMadeAt));
  const decisions: Decision[] = [];
  for (const req of new Set(requirements)) {
    if (req === "approved") {
      const { approvers, ignored } = count();
      const missing = approvalsNeeded - approvers.length;
      if (missing > 0) {
        const early = ignored.filter((i) => i.why === "approved before this plan was made").map((i) => `@${i.user}`);
        const since = approvals.changed ? ` (the plan changed since: ${approvals.changed})` : "";
        const agents = ignored.filter((i) => i.why === "is an agent").map((i) => `@${i.user}`);
        const pushers = ignored.filter((i) => i.why === PUSHED_HEAD).map((i) => i.user);
        const note =
          (pushers.length ? `; ${headPushNote(f.headPush, pushers)}` : "") +
          (early.length ? `; ${early.join(", ")} approved before this plan was made, which does not count for it${since}` : "") +
          (agents.length
            ? `; ${agents.join(", ")} ${agents.length === 1 ? "is an agent" : "are agents"} (server setting \`agents\`), whose approval never counts`
            : "");
        decisions.push(
          refuse(
            `needs ${missing} more approval${missing === 1 ? "" : "s"} of the current commit from ${missing === 1 ? "a user" : "users"} with write access${planMadeAt === undefined ? "" : ", given after the plan"} (the author's own approval does not count${note})`,
          ),
        );
      }
    } else if (req === "code_owners") {
      const { approvers, ignored } = count();
      const owners = codeOwners
        ? checkCodeOwners(codeOwners, approvers)
        : refuse("the code owners of this project's files could not be determined");
      // A code owner who pushed the head is told why their approval was not theirs to give.
      const pushers = ignored.filter((i) => i.why === PUSHED_HEAD).map((i) => i.user);
      decisions.push(
        !owners.allowed && pushers.length ? refuse(...owners.reasons.map((r) => `${r} (${headPushNote(f.headPush, pushers)})`)) : owners,
      );
    } else if (req === "mergeable") {
      if (!f.mergeable.ok) decisions.push(refuse(`the pull request is not mergeable: ${f.mergeable.why}`));
    } else if (req === "verified_commits") {
      const unverified = f.unverified ?? [];
      if (unverified.length) {
        const list = listSome(unverified, 5, (sha) => sha.slice(0, 7));
        decisions.push(
          refuse(
            `every commit must be verified by GitHub (signed with a key it trusts), and ${unverified.length === 1 ? "this one is" : "these are"} not: ${list}`,
          ),
        );
      }
    } else if (req === "undiverged") {
      if (!f.undiverged) {
        decisions.push(refuse("the branch is behind its base branch: merge or rebase the base branch into it, then plan again"));
      }
    }
  }
  return combine(...decisions);
}
