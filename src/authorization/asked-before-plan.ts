import type { AskedBeforePlan } from "../model/gate.js";
import type { Job, JobWith, SpecOf } from "../model/job.js";
import type { PlanRecord } from "../store/store.js";
import type { Store } from "../store/store.js";
import type { StoredJobResult } from "../store/result-store.js";
import { askedBefore, storedBefore, writtenBefore } from "./command-asked-at.js";
import { identicalEarlierPlans } from "../policy/approvals-from.js";

/**
 * Whether a comment's `/apply` (on a pull request or a drift issue) was surely written before the
 * plan it would apply was made by someone else: another's `/plan -- -var …` (no push: the
 * head-push check cannot see it), or a newer drift check, that replaced the plan its writer read
 * while the `/apply` waited (GitHub redelivered it, or it was queued). Its writer's own `/plan`,
 * commented just before, is what they asked to apply; so is a plan identical to one shown before
 * the comment. On a pull request, a plan whose job still runs (its comment not posted) is newer
 * than any comment (`notShown`); on a drift issue, so is a plan the issue was not updated with. Undefined
 * for other triggers, and when the plan is older than the comment.
 */
export async function askedBeforePlan(
  store: Pick<Store, "getJob" | "planHistory" | "resultOf">,
  job: JobWith<SpecOf<"apply">> | JobWith<SpecOf<"drift-apply">>,
  plan: PlanRecord,
): Promise<AskedBeforePlan | undefined> {
  if (job.spec.kind === "apply" && job.spec.trigger !== "comment") return undefined;
  const drift = job.spec.kind === "drift-apply";
  const maker = await store.getJob(plan.jobId);
  const shown = drift ? driftPlanShown(plan) : prPlanShown(maker, maker && (await store.resultOf(maker.id)));
  const notShown = shown === "not yet";
  const shownAt = shown === "not yet" ? undefined : shown;
  // A drift plan's showing is on GitHub's clock, as the comment's `created_at`: its saving (Sluice's
  // clock) is compared only with when the job was stored, on the same clock.
  const beforeMade = drift ? storedBefore(job, plan.createdAt) : askedBefore(job, plan.createdAt);
  const beforeShown = shownAt !== undefined && writtenBefore(job, shownAt);
  if (!notShown && !beforeMade && !beforeShown) return undefined;
  const by = maker?.spec.actor;
  if (by !== undefined && by.toLowerCase() === job.spec.actor.toLowerCase()) return undefined;
  // A re-plan that changed nothing (a scheduled drift check finding the same drift, another's
  // `/plan` of the same head) shows what its writer read: an identical plan was there when they wrote.
  // A drift check plans the default branch's tip, which any merge moves: its same drift found at a
  // newer commit applies just what the writer read, so a drift issue's chain spans commits.
  const key = { dir: plan.dir, workspace: plan.workspace, project: plan.project };
  const history = await store.planHistory(plan.repo, plan.pr, key, drift ? undefined : plan.headSha);
  const same = identicalEarlierPlans(history, plan, drift);
  // There when written means shown then: on a pull request, one saved while its job still ran was not.
  for (const p of same)
    if (drift ? shownOnIssueBefore(job, p) : !askedBefore(job, p.createdAt) && !(await askedBeforeShown(store, job, p))) return undefined;
  return {
    askedAt: job.spec.commentAt ?? job.createdAt,
    plannedAt: plan.createdAt,
    by: by ?? "someone",
    ...(notShown ? { notShown } : !beforeMade && shownAt ? { shownAt } : {}),
    ...(drift ? { shownOn: "issue" as const } : {}),
  };
}

/**
 * When a drift check's plan was shown: when its issue was updated with it (GitHub's time of that
 * edit), "not yet" before that, or ever when that update failed.
 */
export function driftPlanShown(plan: Pick<PlanRecord, "shownAt">): string | "not yet" {
  return plan.shownAt ?? "not yet";
}

/** Whether a drift issue showed `p` before the command was written: its writer could have read it. */
function shownOnIssueBefore(job: { createdAt: string; spec: { commentAt?: string } }, p: PlanRecord): boolean {
  return p.shownAt !== undefined && !storedBefore(job, p.createdAt) && !writtenBefore(job, p.shownAt);
}

/**
 * When a pull request's plan was shown: its job's comment, the one place that shows it, is posted
 * when the job ends (after the PR's other projects), so a plan saved while that job still runs is
 * shown "not yet" (so is one whose job ended with its answer stored but not yet posted: a stopped
 * replica's, which the recovery posts when GitHub takes it), and one whose job ended was shown when GitHub took that comment's last edit
 * (`shownAt` of its posted result: GitHub's clock, as a comment's `created_at`), or, where GitHub
 * gave no time, when the job was marked ended (its `updatedAt`, Sluice's clock). Undefined when its
 * job is not known.
 */
export function prPlanShown(
  maker: Pick<Job, "status" | "updatedAt"> | undefined,
  result?: StoredJobResult,
): string | "not yet" | undefined {
  if (!maker) return undefined;
  if (maker.status === "queued" || maker.status === "running") return "not yet";
  // A job the recovery ended (its replica stopped) may have its answer still waiting for GitHub:
  // the job's end says nothing of a page its plan is on.
  if (result && !result.posted) return "not yet";
  return result?.posted && result.shownAt ? result.shownAt : maker.updatedAt;
}

/** Whether a comment's command was surely asked before `plan` was shown on its pull request. */
export async function askedBeforeShown(
  store: Pick<Store, "getJob" | "resultOf">,
  job: { createdAt: string; spec: { commentAt?: string } },
  plan: Pick<PlanRecord, "jobId">,
): Promise<boolean> {
  const maker = await store.getJob(plan.jobId);
  const shown = prPlanShown(maker, maker && (await store.resultOf(maker.id)));
  return shown === "not yet" || (shown !== undefined && writtenBefore(job, shown));
}
