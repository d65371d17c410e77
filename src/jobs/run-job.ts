import { errorMessage } from "../util/errors.js";
import { rm } from "node:fs/promises";
import { USAGE } from "../command/usage.js";
import { renderInvalid, renderUsage } from "../render/render-usage.js";
import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { JobDeps } from "./job-deps.js";
import { releaseLocks } from "./release-locks.js";
import { runApplyJob } from "./run-apply-job.js";
import { runApprovePoliciesJob } from "./run-approve-policies-job.js";
import { runMergeGroupJob } from "./run-merge-group-job.js";
import { runPlanJob } from "./run-plan-job.js";
import { runAppliesJob } from "./run-applies-job.js";
import { runStateJob } from "./run-state-job.js";
import { runUnlockJob } from "./run-unlock-job.js";
import { discardDriftIssuePlans } from "./drift/discard-drift-issue-plans.js";
import { runDriftApplyJob } from "./drift/run-drift-apply-job.js";
import { runDriftJob } from "./drift/run-drift-job.js";
import { secretsFor } from "./secrets.js";
import { serverConfigFor } from "../config/server-config-for.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import { runPreviewJob } from "./preview/run-preview-job.js";
import { wantsPreviews } from "./preview/wants-previews.js";

async function enqueuePreviewSync(job: Job, deps: JobDeps): Promise<void> {
  // Only where the trusted config asks for previews: other repositories see no preview job.
  const wanted = await wantsPreviews(deps, job).catch((e: unknown) => {
    deps.log.warn({ jobId: job.id, err: errorMessage(e) }, "could not read whether the PR wants previews");
    return false;
  });
  if (!wanted) return;
  const jobId = await deps.store.enqueueInternal({ ...job.target }, { kind: "preview", action: "sync", actor: job.spec.actor });
  deps.log.info({ jobId, pr: job.target.pr }, "preview sync queued");
  deps.wake();
}

/**
 * Dispatches a job by kind, with the server config resolved for the job's repository (its
 * `repos:` entries applied): every setting a job reads is that repository's.
 */
export async function runJob(given: Job, serverDeps: JobDeps): Promise<void> {
  const deps = { ...serverDeps, config: serverConfigFor(serverDeps.config, repoFullName(given.target.repo)).config };
  const job = await withPullRequest(given, deps);
  if (!job) return;
  const { repo, pr } = job.target;
  switch (job.spec.kind) {
    case "plan":
      try {
        return await runPlanJob(job, deps);
      } finally {
        // A pull request opened or pushed: its previews follow its head (a job of their own).
        if (job.spec.trigger === "autoplan") await enqueuePreviewSync(job, deps);
      }
    case "preview":
      return runPreviewJob(job, deps);
    case "apply":
      return runApplyJob(job, deps);
    case "unlock":
      return runUnlockJob(job, deps);
    case "drift":
      return runDriftJob(job, deps);
    case "drift-apply":
      return runDriftApplyJob(job, deps);
    case "state":
      return runStateJob(job, deps);
    case "applies":
      return runAppliesJob(job, deps);
    case "approve_policies":
      return runApprovePoliciesJob(job, deps);
    case "merge_group":
      return runMergeGroupJob(job, deps);
    case "reply": {
      const vcs = await deps.vcsFor(job);
      const redact = secretsFor(deps).redact;
      const text = job.spec.body === "help" ? renderUsage(USAGE) : renderInvalid(job.spec.reason ?? "invalid command", USAGE, redact);
      const body = printComment({ marker: jobMarker(job.id), text });
      if (job.commentIds.length === 0) {
        const id = await vcs.createComment(repo, pr, body);
        await deps.store.updateJob(job.id, { commentIds: [id] });
      }
      if (job.spec.body === "invalid") await vcs.react(repo, job.spec.commentId, "confused").catch(() => undefined);
      return;
    }
    case "cleanup": {
      if (job.spec.driftIssue) return discardDriftIssuePlans(job, deps);
      if (job.spec.merged && job.spec.mergeSha) {
        // Apply first (when the repo applies on merge): the locks stay held until the merged
        // change is live, or the apply failed.
        await runApplyJob({ ...job, spec: { kind: "apply", trigger: "merge", actor: job.spec.actor, mergeSha: job.spec.mergeSha } }, deps);
      }
      // Before the PR's worktrees go: each preview's destroy plans the commit it was applied from.
      await runPreviewJob(
        {
          ...job,
          spec: {
            kind: "preview",
            action: "destroy",
            reason: job.spec.merged ? "the pull request was merged" : "the pull request was closed",
            actor: job.spec.actor,
          },
        },
        deps,
      ).catch((e: unknown) =>
        deps.log.error({ jobId: job.id, err: errorMessage(e) }, "preview destroy at close failed; the sweep retries it"),
      );
      const released = await releaseLocks(deps, job);
      // A closed PR's plans are never applied: all of them go, with their files in the store.
      await deps.store.supersedePlans(repoFullName(repo), pr);
      await deps.workspace.removePr(repo, pr);
      await rm(dataPaths.prPlans(deps.dataDir, repo, pr), { recursive: true, force: true });
      deps.log.info(
        { repo: repoFullName(repo), pr, released: released.length },
        "pull request closed: locks released, worktrees and plans removed",
      );
      return;
    }
  }
}

/**
 * A check event that listed no PR (GitHub leaves out PRs from forks) carries pr 0 and the check's
 * commit: the PR is the open one whose head is that commit. None: nothing to act on, logged.
 */
async function withPullRequest(job: Job, deps: JobDeps): Promise<Job | undefined> {
  // Drift jobs run on the default branch: pr 0 is theirs (no pull request), not a PR to look up.
  if (job.target.pr !== 0 || job.spec.kind === "drift") return job;
  const sha = job.target.payloadHeadSha;
  const vcs = await deps.vcsFor(job);
  const [pr] = sha ? await vcs.pullRequestsOfCommit(job.target.repo, sha) : [];
  if (pr === undefined) {
    deps.log.info({ jobId: job.id, deliveryId: job.deliveryId, sha }, "no open pull request has this commit as its head: nothing to do");
    return undefined;
  }
  // The job's record names the PR too: the console, the job log and locks are per PR.
  await deps.store.updateJob(job.id, { pr });
  return { ...job, target: { ...job.target, pr } };
}
