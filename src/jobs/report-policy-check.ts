import { policiesFor } from "../config/policies-for.js";
import type { Job } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { repoFullName } from "../model/repo.js";
import { describeBlocking, policyRules } from "../policy/policy-status.js";
import { inlineCode } from "../render/inline.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { planPolicyFact, policyChecked } from "../authorization/plan-policy-fact.js";

/** The check run that shows the policy state of a PR's head, as Atlantis' `atlantis/policy_check` status. */
export const POLICY_CHECK_NAME = "sluice/policy_check";

/**
 * Sets `sluice/policy_check` on the PR head from the current plans' policy outcomes and approvals:
 * failure while any plan is blocked, success once every plan passed or was approved. Branch
 * protection can require it. Only reports: the apply gate decides again on its own.
 */
export async function reportPolicyCheck(
  deps: JobDeps,
  vcs: VcsClient,
  job: Job,
  pr: PullRequestInfo,
  redact: (text: string) => string,
): Promise<void> {
  if (policyRules(policiesFor(deps.config, repoFullName(job.target.repo))).length === 0) return;
  const plans = (await deps.store.pendingPlans(repoFullName(job.target.repo), pr.number)).filter(
    (p) => policyChecked(p.runner) && p.headSha === pr.headSha,
  );
  if (plans.length === 0) return;
  const facts = await Promise.all(plans.map((p) => planPolicyFact(deps, vcs, p)));
  const blocked = plans.flatMap((p, i) => {
    const fact = facts[i];
    return fact && !fact.passed ? [`- ${inlineCode(p.project)}: ${describeBlocking(fact.blocking)}`] : [];
  });
  const n = plans.length;
  const update = blocked.length
    ? {
        status: "completed" as const,
        conclusion: "failure" as const,
        title: `${blocked.length} of ${n} plan${n === 1 ? "" : "s"} blocked by policy checks`,
        summary: redact(blocked.join("\n")),
      }
    : {
        status: "completed" as const,
        conclusion: "success" as const,
        title: `Policy checks passed or approved for ${n} plan${n === 1 ? "" : "s"}`,
        summary: plans.map((p) => `- ${inlineCode(p.project)}: passed or approved`).join("\n"),
      };
  try {
    await vcs.createCheck(job.target.repo, POLICY_CHECK_NAME, pr.headSha, update, `sluice-policy-job-${job.id}`);
  } catch (e) {
    // The comment already says it all; a lost check run must not turn a finished job into a fault.
    deps.log.warn({ err: e, repo: repoFullName(job.target.repo), pr: pr.number }, "could not set sluice/policy_check");
  }
}
