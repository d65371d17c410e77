import { runHealJob } from "./run-heal-job.js";
import { errorMessage } from "../util/errors.js";
import { runPreviewJob } from "./preview/run-preview-job.js";
import { runScheduledDestroyJob } from "./preview/run-scheduled-destroy-job.js";
import { wantsPreviews } from "./preview/wants-previews.js";
import { serverConfigFor } from "../config/server-config-for.js";
import { type JobContext, narrowed, openJobContext } from "../job-context/job-context.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { runDriftApplyJob } from "../drift/run-drift-apply-job.js";
import { runDriftCheckJob } from "../drift/run-drift-check-job.js";
import { runDriftPauseJob } from "../drift/run-drift-pause-job.js";
import { runDriftScheduleSyncJob } from "../drift/run-drift-schedule-sync-job.js";
import { upgradeDriftSpec } from "../drift/upgrade-drift-spec.js";
import { actorIdField, actorOf, type Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { usesAtlantisConfig } from "../repo-reading/uses-atlantis-config.js";
import { runAppliesJob } from "./run-applies-job.js";
import { runApplyJob } from "./run-apply-job.js";
import { runApprovePoliciesJob } from "./run-approve-policies-job.js";
import { runCleanupJob } from "./run-cleanup-job.js";
import { runMergeGroupJob } from "./run-merge-group-job.js";
import { runPlanJob } from "./run-plan-job.js";
import { runReplyJob } from "./run-reply-job.js";
import { runStateJob } from "./run-state-job.js";
import { runUnlockJob } from "./run-unlock-job.js";
import { clickedPullRequest } from "./clicked-pull-request.js";
import { commandStillSaid } from "./command-still-said.js";
import { closeStillSaid } from "./close-still-said.js";

/** Only where the trusted config asks for previews: other repositories see no preview job. */
async function enqueuePreviewSync(job: Job, deps: JobDeps): Promise<void> {
  const wanted = await wantsPreviews(deps, job).catch((e: unknown) => {
    deps.log.warn({ jobId: job.id, err: errorMessage(e) }, "could not read whether the PR wants previews");
    return false;
  });
  if (!wanted) return;
  // The autoplan's pusher, by account id too: `apply_users` is compared by it.
  const id = actorOf(job.spec).id;
  const jobId = await deps.store.enqueueInternal(
    { ...job.target },
    { kind: "preview", action: "sync", actor: job.spec.actor, ...actorIdField(id) },
  );
  deps.log.info({ jobId, pr: job.target.pr }, "preview sync queued");
  deps.wake();
}

/**
 * Runs a job: with the server config resolved for its repository (its `repos:` entries applied,
 * so every setting a job reads is that repository's), one context for the whole job, and every
 * checkout it took released when it ends.
 */
export async function runJob(given: Job, serverDeps: JobDeps): Promise<void> {
  const resolved = serverConfigFor(serverDeps.config, repoFullName(given.target.repo));
  // Ingress ignores a repository the `repos:` allowlist leaves out, but not every job comes from a
  // webhook: a drift schedule stored while it was listed, a scheduled destroy, a job queued before
  // a restart with a narrower allowlist. It "gets nothing run", whichever way its job came.
  if (!resolved.allowed) {
    serverDeps.log.info(
      { jobId: given.id, repo: repoFullName(given.target.repo), kind: given.spec.kind },
      "repository is not in the server's allowlist: job not run",
    );
    return;
  }
  const deps = { ...serverDeps, config: resolved.config };
  const job = await withPullRequest(given, deps);
  if (!job) return;
  const ctx = await openJobContext(job, deps);
  try {
    if (!(await commandIsOurs(ctx))) return;
    if (!(await commandStillSaid(ctx))) return;
    if (!(await closeStillSaid(ctx))) return;
    await dispatch(ctx);
  } finally {
    ctx.close();
  }
}

/** Hands each use case its own kind of job. */
export function dispatch(ctx: JobContext): Promise<void> {
  const spec = ctx.job.spec;
  switch (spec.kind) {
    case "plan":
      return runPlanJob(narrowed(ctx, spec)).finally(() =>
        // A pull request opened or pushed: its previews follow its head (a job of their own).
        spec.trigger === "autoplan" ? enqueuePreviewSync(ctx.job, ctx.deps) : undefined,
      );
    case "preview":
      return runPreviewJob(ctx.job, ctx.deps);
    case "scheduled-destroy":
      return runScheduledDestroyJob(narrowed(ctx, spec));
    case "apply":
      return runApplyJob(narrowed(ctx, spec));
    case "unlock":
      return runUnlockJob(narrowed(ctx, spec));
    case "state":
      return runStateJob(narrowed(ctx, spec));
    case "applies":
      return runAppliesJob(narrowed(ctx, spec));
    case "approve_policies":
      return runApprovePoliciesJob(narrowed(ctx, spec));
    case "merge_group":
      return runMergeGroupJob(narrowed(ctx, spec));
    case "reply":
      return runReplyJob(narrowed(ctx, spec));
    case "cleanup":
      return runCleanupJob(narrowed(ctx, spec));
    case "heal":
      return runHealJob(narrowed(ctx, spec));
    case "drift-check":
      return runDriftCheckJob(narrowed(ctx, spec));
    case "drift-pause":
      return runDriftPauseJob(narrowed(ctx, spec));
    case "drift-schedule-sync":
      return runDriftScheduleSyncJob(narrowed(ctx, spec));
    case "drift-apply":
      return runDriftApplyJob(narrowed(ctx, spec));
    case "drift":
      // Queued before an upgrade: run as the kind it meant.
      return dispatch(narrowed(ctx, upgradeDriftSpec(spec)));
  }
}

/**
 * `atlantis plan` (and every `atlantis …` command) is Sluice's only in repos moving from
 * Atlantis: elsewhere another bot may own that word, and Sluice stays silent. Decided here, once,
 * for every kind of command.
 */
async function commandIsOurs(ctx: JobContext): Promise<boolean> {
  const { job, deps, vcs } = ctx;
  if (!("viaAtlantis" in job.spec) || !job.spec.viaAtlantis) return true;
  const pr = await vcs.pullRequest(job.target.repo, job.target.pr);
  if (await usesAtlantisConfig(deps, job, vcs, pr)) return true;
  deps.log.info(
    { jobId: job.id, deliveryId: job.deliveryId },
    "an `atlantis` command in a repo not configured by atlantis.yaml: left to Atlantis",
  );
  return false;
}

/** Kinds that work on the default branch: their pr 0 means "no pull request", not one to look up. */
const DEFAULT_BRANCH_KINDS = new Set<Job["spec"]["kind"]>([
  "drift",
  "drift-check",
  "drift-pause",
  "drift-schedule-sync",
  "scheduled-destroy",
]);

/**
 * A check event that listed no PR (GitHub leaves out PRs from forks) carries pr 0 and the check's
 * commit: the PR is the open one whose head is that commit. None: nothing to act on, logged.
 */
async function withPullRequest(job: Job, deps: JobDeps): Promise<Job | undefined> {
  const clicked = await clickedPullRequest(job, deps.store);
  if (clicked !== undefined && clicked !== job.target.pr) {
    deps.log.info(
      { jobId: job.id, listed: job.target.pr, pr: clicked },
      "the check run clicked or re-run is the plan's of another pull request: acting for it",
    );
    await deps.store.updateJob(job.id, { pr: clicked });
    return { ...job, target: { ...job.target, pr: clicked } };
  }
  if (job.target.pr !== 0 || DEFAULT_BRANCH_KINDS.has(job.spec.kind)) return job;
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
