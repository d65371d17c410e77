import { type MergeBlockers, type PullRequestInfo, ROLLUP_MAX, type StatusCheck } from "../model/pull-request.js";
import { listSome } from "../util/list-some.js";

export type Mergeability = { ok: true } | { ok: false; why: string };

/**
 * GitHub's mergeability, ignoring Sluice's own checks (what Atlantis' users expect of `mergeable`):
 * a PR `blocked` only by Sluice's own check runs (`sluice/apply` stays pending until the apply)
 * still counts as mergeable. Anything else that blocks it refuses: branch protection's review
 * rules, a required check run or commit status that has not passed, or a block Sluice cannot
 * see at all (its own checks cannot explain it).
 */
export function mergeability(
  pr: Pick<PullRequestInfo, "mergeable" | "mergeableState" | "draft"> & Partial<Pick<PullRequestInfo, "headSha" | "htmlUrl">>,
  blockers?: MergeBlockers | { unread: string },
): Mergeability {
  if (pr.draft) return { ok: false, why: "it is a draft" };
  if (pr.mergeable === false || pr.mergeableState === "dirty") return { ok: false, why: "it has merge conflicts" };
  if (pr.mergeable === null || pr.mergeableState === "unknown") {
    return { ok: false, why: "GitHub has not finished computing mergeability; try again in a moment" };
  }
  if (pr.mergeableState === "behind") return { ok: false, why: "it is behind its base branch" };
  if (pr.mergeableState === "blocked") return whyBlocked(pr, blockers);
  return { ok: true };
}

/** A check counts when branch protection requires it, or when GitHub did not say whether it does. */
const counts = (c: StatusCheck) => c.required !== false;

function whyBlocked(
  pr: Partial<Pick<PullRequestInfo, "headSha" | "htmlUrl">>,
  b: MergeBlockers | { unread: string } | undefined,
): Mergeability {
  if (!b || "unread" in b) {
    return { ok: false, why: `GitHub shows it blocked, and what blocks it could not be read${b ? ` (${b.unread})` : ""}` };
  }
  if (b.reviewDecision === "CHANGES_REQUESTED") return { ok: false, why: "a reviewer requested changes (branch protection)" };
  if (b.reviewDecision === "REVIEW_REQUIRED") {
    return { ok: false, why: "it lacks the approving reviews its base branch's protection requires" };
  }
  if (pr.headSha && b.headSha !== pr.headSha) {
    return { ok: false, why: "its head moved while Sluice read its checks; try again" };
  }
  if (b.more) {
    return {
      ok: false,
      why: `its head commit has more than ${ROLLUP_MAX} checks and statuses, more than Sluice reads, so it cannot tell which of them block it`,
    };
  }
  const notPassing = b.checks.filter((c) => !c.own && counts(c) && c.state !== "passing");
  if (notPassing.length) {
    const named = listSome(
      notPassing,
      5,
      (c) => `${c.required ? "required " : ""}${c.kind === "status" ? "status" : "check"} \`${c.name}\` (${c.said})`,
    );
    return { ok: false, why: `${named} ${notPassing.length === 1 ? "has" : "have"} not passed` };
  }
  // Reported means reported by the source branch protection expects: a run of the same name from
  // another app (a workflow job so named) or a status is not required (`isRequired` false). Where
  // GitHub did not say, the rules' expected app tells it.
  const bound = b.requiredApps ?? {};
  const fromExpected = (c: StatusCheck) =>
    c.required === true || bound[c.name] === undefined || (c.kind === "check" && c.appId === bound[c.name]);
  const reported = new Set(b.checks.filter((c) => counts(c) && fromExpected(c)).map((c) => c.name));
  const unreported = (b.required ?? []).filter((name) => !reported.has(name));
  if (unreported.length) {
    const named = listSome(unreported, 5, (name) => `\`${name}\``);
    return {
      ok: false,
      why: `the base branch requires check${unreported.length === 1 ? "" : "s"} ${named}, not reported on its head commit yet`,
    };
  }
  // GitHub's rollup lists only what reported: a required check that never did (where the branch's
  // rules could not be read), required signed commits, unresolved conversations or a required
  // deployment block it without a trace here.
  // Only Sluice's own required check still waiting (or failed) explains the block.
  if (!b.checks.some((c) => c.own && counts(c) && c.state !== "passing")) {
    return {
      ok: false,
      why: `GitHub shows it blocked by a branch rule Sluice cannot see (a required check that has not reported yet, signed commits, resolved conversations or a deployment, say): the merge box on ${pr.htmlUrl ?? "the pull request's page"} says which`,
    };
  }
  return { ok: true };
}
