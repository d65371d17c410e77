import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { exec } from "../../runners/exec.js";
import type { ProjectFilter } from "../model/command.js";
import type { ProjectResult } from "../model/project-result.js";
import { type Project, projectKey } from "../model/project.js";
import { type ApplyFacts, checkApplier, checkRequirements, mergeability } from "../policy/check-apply-policy.js";
import { approvingReviewers } from "../policy/count-approvals.js";
import { createRedactor } from "../render/redact.js";
import type { Job, PlanRecord } from "../store/store.js";
import type { Permission, PullRequestInfo, VcsClient } from "../vcs/vcs-client.js";
import { dataPaths } from "../workspace/data-paths.js";
import { hashFile } from "../workspace/hash-file.js";
import { compareChanges } from "../policy/compare-changes.js";
import type { JobDeps } from "./job-deps.js";
import { createCommentPublisher } from "./publish-comments.js";
import { type Secrets, secretsFor } from "./secrets.js";

type Publisher = ReturnType<typeof createCommentPublisher>;

const repoName = (job: Job) => `${job.target.repo.owner}/${job.target.repo.name}`;
const short = (sha: string) => sha.slice(0, 7);

function matches(plan: PlanRecord, filter: ProjectFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.project !== undefined && plan.project !== filter.project) return false;
  if (filter.dir !== undefined && plan.dir !== filter.dir) return false;
  if (filter.workspace !== undefined && plan.workspace !== filter.workspace) return false;
  return true;
}

const projectOf = (p: PlanRecord): Project => ({
  name: p.project,
  dir: p.dir,
  workspace: p.workspace,
  runner: p.runner as Project["runner"],
});

/** `/apply` (or apply on merge): only saved plans of the live head and base, for allowed users. */
export async function runApplyJob(job: Job, deps: JobDeps): Promise<void> {
  if (job.spec.kind !== "apply") throw new Error(`runApplyJob got a ${job.spec.kind} job`);
  const spec = job.spec;
  const vcs = await deps.vcsFor(job);
  const secrets = secretsFor(deps);
  if (spec.commentId) await vcs.react(job.target.repo, spec.commentId, "eyes").catch(() => undefined);
  // The live head, never the payload's: a push after the comment makes the plan stale.
  const pr = await vcs.pullRequest(job.target.repo, job.target.pr);
  const publisher = createCommentPublisher(vcs, deps, job, {
    command: "apply",
    headSha: pr.headSha,
    trigger: { text: spec.trigger === "merge" ? "apply on merge" : (spec.commandLine ?? "/apply"), user: spec.actor },
    maxComments: deps.config.max_comments,
  });
  await publisher.publish({ state: "queued", results: [] }, secrets.redact);
  const repo = repoName(job);
  const op = await deps.store.beginPrOperation(repo, pr.number, "apply", job.id);
  if (!op.ok) {
    const notice = "An apply is already in progress for this pull request; this command was not run. Wait for it to finish.";
    await publisher.publish({ state: "done", results: [], notice, tone: "refused" }, secrets.redact);
    return;
  }
  try {
    await applyPullRequest(job, deps, vcs, pr, publisher, secrets);
  } catch (e) {
    const detail = e instanceof Error && "output" in e && e.output ? `\n${String(e.output)}` : "";
    const notice = `Sluice could not finish this apply: ${e instanceof Error ? e.message : String(e)}${detail}`;
    await publisher.publish({ state: "done", results: [], notice, tone: "failed" }, secrets.redact).catch(() => undefined);
    await publisher.check({ state: "done", results: [], notice, failed: true }, secrets.redact).catch(() => undefined);
    throw e;
  } finally {
    await deps.store.endPrOperation(repo, pr.number, "apply");
  }
}

async function refuseAll(publisher: Publisher, secrets: Secrets, notice: string): Promise<void> {
  await publisher.publish({ state: "done", results: [], notice, tone: "refused" }, secrets.redact);
  await publisher.check({ state: "done", results: [], notice, failed: true }, secrets.redact);
}

async function gatherFacts(
  deps: JobDeps,
  vcs: VcsClient,
  job: Job,
  pr: PullRequestInfo,
  needs: { mergeable: boolean; undiverged: boolean },
  token: string,
): Promise<ApplyFacts> {
  const { repo } = job.target;
  const actor = job.spec.kind === "apply" ? job.spec.actor : "";
  const reviews = await vcs.reviews(repo, pr.number);
  const permissions = new Map<string, Permission>();
  for (const user of approvingReviewers(reviews)) permissions.set(user.toLowerCase(), await vcs.permissionOf(repo, user));
  const mergeable = needs.mergeable
    ? mergeability(pr, await vcs.checkRuns(repo, pr.headSha))
    : ({ ok: true } as const);
  const undiverged = needs.undiverged
    ? await deps.workspace.contains(repo, job.target.cloneUrl, token, { number: pr.number, baseRef: pr.baseRef, headSha: pr.headSha })
    : true;
  return {
    commenter: actor,
    commenterPermission: await vcs.permissionOf(repo, actor),
    allowedByServer: deps.config.apply_users.some((u) => u.toLowerCase() === actor.toLowerCase()),
    author: pr.author,
    headSha: pr.headSha,
    reviews,
    permissions,
    mergeable,
    undiverged,
  };
}

async function applyPullRequest(
  job: Job,
  deps: JobDeps,
  vcs: VcsClient,
  pr: PullRequestInfo,
  publisher: Publisher,
  secrets: Secrets,
): Promise<void> {
  if (job.spec.kind !== "apply") return;
  const spec = job.spec;
  const repo = repoName(job);
  const merged = spec.trigger === "merge";
  if (!merged && pr.state !== "open") return refuseAll(publisher, secrets, "This pull request is closed: nothing was applied.");

  const plans = (await deps.store.pendingPlans(repo, pr.number)).filter((p) => matches(p, spec.command?.filter));
  if (plans.length === 0) {
    const what = spec.command?.filter && Object.keys(spec.command.filter).length ? " matching this command" : "";
    return refuseAll(
      publisher,
      secrets,
      `Nothing to apply: this pull request has no current plan${what}. Comment \`/plan\` first, then \`/apply\`.`,
    );
  }

  const requirements = deps.config.apply_requirements;
  const token = await vcs.cloneToken();
  secrets.add([token]);
  const facts = await gatherFacts(
    deps,
    vcs,
    job,
    pr,
    { mergeable: !merged && requirements.includes("mergeable"), undiverged: !merged && requirements.includes("undiverged") },
    token,
  );
  if (!merged) {
    const who = checkApplier(facts);
    if (!who.allowed) return refuseAll(publisher, secrets, `Not applied: ${who.reasons.join("; ")}.`);
  }
  const effective = merged ? requirements.filter((r) => r === "approved") : requirements;
  const policy = checkRequirements(effective, deps.config.approvals, facts);

  const locks = await deps.store.locksOf(repo, pr.number);
  const results = new Map<number, ProjectResult>();
  const runnable: PlanRecord[] = [];
  for (const plan of plans) {
    const project = projectOf(plan);
    const refuse = (reason: string) => results.set(plan.id, { project, status: "refused", reason, output: "" });
    if (plan.headSha !== pr.headSha) {
      refuse(`the plan is stale: it was made for ${short(plan.headSha)} but the pull request head is now ${short(pr.headSha)}. Comment \`/plan\` to plan again.`);
    } else if (!merged && plan.baseSha !== pr.baseSha) {
      refuse(`the base branch moved since this plan (${short(plan.baseSha)} → ${short(pr.baseSha)}). Comment \`/plan\` to plan again.`);
    } else if (!policy.allowed) {
      refuse(policy.reasons.join("; "));
    } else if (!locks.some((l) => l.dir === plan.dir && l.workspace === plan.workspace)) {
      refuse("this pull request no longer holds the project's lock (it was released). Comment `/plan` to take it again.");
    } else if ((await hashFile(plan.planPath).catch(() => "missing")) !== plan.planHash) {
      refuse("the saved plan file is missing or changed since it was made. Comment `/plan` to plan again.");
    } else {
      runnable.push(plan);
    }
  }

  if (runnable.length) {
    await publisher.publish({ state: "running", results: [], pending: runnable.map((p) => p.project) }, secrets.redact);
    await publisher.check({ state: "running", results: [], pending: runnable.map((p) => p.project) }, secrets.redact);
    const checkoutAt = (sha: string, baseSha: string) =>
      deps.workspace.checkout({ repo: job.target.repo, cloneUrl: job.target.cloneUrl, token, pr: pr.number, headSha: sha, baseSha, baseRef: pr.baseRef });
    const head = await checkoutAt(pr.headSha, runnable[0]?.baseSha ?? pr.baseSha);
    const mergeSha = merged ? spec.mergeSha : undefined;
    if (merged && !mergeSha) return refuseAll(publisher, secrets, "Not applied: the merge event carried no merge commit.");
    const mergeCheckout = mergeSha ? await checkoutAt(mergeSha, mergeSha) : undefined;
    const sameTree = mergeSha
      ? (await deps.workspace.treeOf(job.target.repo, mergeSha)) === (await deps.workspace.treeOf(job.target.repo, pr.headSha))
      : true;
    await mkdir(dirname(dataPaths.jobLog(deps.dataDir, job.id, "x")), { recursive: true });
    const sensitive: string[] = [];
    await Promise.all(
      runnable.map((plan) =>
        deps.projectQueue.add(() =>
          deps.projectLocks.run(projectKey(repo, plan), async () => {
            let target = { planFile: plan.planPath, checkoutDir: head.dir };
            if (mergeCheckout && !sameTree) {
              // The merged tree differs from the planned one: plan again at the merge commit and
              // apply only if it would make exactly the approved changes.
              const again = await replanAtMerge(deps, job, plan, mergeCheckout.dir, secrets);
              if (!again.ok) {
                results.set(plan.id, again.result);
                return;
              }
              target = { planFile: again.planFile, checkoutDir: mergeCheckout.dir };
            }
            const result = await applyOne(job, deps, plan, target, secrets);
            sensitive.push(...result.sensitiveValues);
            results.set(plan.id, result.result);
          }),
        ),
      ),
    );
    secrets.add(sensitive);
  }

  const ordered = plans.map((p) => results.get(p.id)).filter((r): r is ProjectResult => r !== undefined);
  const allApplied = ordered.every((r) => r.status === "applied");
  let notice: string | undefined;
  if (allApplied && deps.config.automerge && !merged && (await deps.store.pendingPlans(repo, pr.number)).length === 0) {
    try {
      await vcs.merge(job.target.repo, pr.number, "merge");
      notice = "Every project is applied: the pull request was merged (automerge).";
    } catch (e) {
      notice = `Every project is applied, but automerge failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  await publisher.publish({ state: "done", results: ordered, notice }, secrets.redact);
  await publisher.check({ state: "done", results: ordered }, secrets.redact);
}

async function replanAtMerge(
  deps: JobDeps,
  job: Job,
  plan: PlanRecord,
  mergeDir: string,
  secrets: Secrets,
): Promise<{ ok: true; planFile: string } | { ok: false; result: ProjectResult }> {
  const project = projectOf(plan);
  const runner = deps.runners[project.runner];
  const fail = (reason: string) => ({ ok: false as const, result: { project, status: "refused" as const, reason, output: "" } });
  if (!runner) return fail(`no runner for ${project.runner} projects`);
  const outcome = await runner.plan(
    {
      project,
      checkoutDir: mergeDir,
      dataDir: join(dirname(plan.planPath), "merge"),
      extraArgs: [],
      env: deps.runnerEnv,
      timeoutMs: deps.config.step_timeout,
      redact: secrets.redact,
    },
    exec,
  );
  if (!outcome.ok) return fail(`the merge commit differs from the planned commit and planning it failed at ${outcome.failedStep}: ${outcome.message}`);
  secrets.add(outcome.summary.sensitiveValues);
  const diff = compareChanges(plan.summary.resources, outcome.summary.resources);
  if (diff) {
    return fail(
      `not applied: the merge commit differs from the planned commit, and planning it gives other changes than the approved plan (${diff}). Open a pull request to plan and apply the difference.`,
    );
  }
  return { ok: true, planFile: outcome.planFile };
}

async function applyOne(
  job: Job,
  deps: JobDeps,
  plan: PlanRecord,
  target: { planFile: string; checkoutDir: string },
  secrets: Secrets,
): Promise<{ result: ProjectResult; sensitiveValues: string[] }> {
  const project = projectOf(plan);
  const runner = deps.runners[project.runner];
  if (!runner) {
    return {
      result: { project, status: "error", failedStep: "runner", message: `no runner for ${project.runner} projects`, output: "" },
      sensitiveValues: [],
    };
  }
  // Recorded before the tool starts: if this process dies mid-apply, the restart reports it.
  const applyId = await deps.store.recordApplyStart({ jobId: job.id, repo: plan.repo, pr: plan.pr, project: plan.project, planId: plan.id });
  const log = createWriteStream(dataPaths.jobLog(deps.dataDir, job.id, project.name));
  try {
    const outcome = await runner.apply(
      {
        project,
        checkoutDir: target.checkoutDir,
        dataDir: dirname(target.planFile),
        planFile: target.planFile,
        env: deps.runnerEnv,
        timeoutMs: deps.config.step_timeout,
        redactWith: (values) => createRedactor({ secrets: [...secrets.redact.secrets, ...values], patterns: deps.redactPatterns }),
        onOutput: (chunk) => log.write(chunk),
      },
      exec,
    );
    await deps.store.recordApplyEnd(applyId, outcome.ok ? "succeeded" : "failed");
    // A saved plan is used once: applied or failed, the next apply needs a new plan.
    await deps.store.markPlanApplied(plan.id);
    const summary = { ...plan.summary, sensitiveValues: [] };
    return {
      result: outcome.ok
        ? { project, status: "applied", summary, output: outcome.output, durationMs: outcome.durationMs }
        : { project, status: "error", failedStep: "apply", message: outcome.message, output: outcome.output, durationMs: outcome.durationMs },
      sensitiveValues: outcome.sensitiveValues,
    };
  } finally {
    log.end();
  }
}
