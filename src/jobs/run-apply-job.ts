import { createProjectRunner } from "../tool-runs/project-runner.js";
import { pullRequestSettings } from "../repo-reading/trusted-settings.js";
import { matchesFilter } from "../model/command.js";
import type { Job, SpecOf } from "../model/job.js";
import type { JobContext } from "../job-context/job-context.js";
import type { Project } from "../model/project.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { repoFullName } from "../model/repo.js";
import { checkApplier } from "../policy/check-apply-policy.js";
import { ALLOWED } from "../policy/decision.js";
import { passBeforeCheckout } from "../gate/pass-gate.js";
import { refusalText } from "../gate/decide.js";
import { applierNow, gatherPrFacts } from "../authorization/pr-gate-facts.js";
import { toProject } from "../projects/resolve-projects.js";
import type { PlanRecord } from "../store/store.js";
import type { Checkout } from "../workspace/workspace.js";
import { authorizeCommand, replyRefused } from "../authorization/authorize-command.js";
import { loadRepoConfigs } from "../repo-reading/load-repo-configs.js";
import { carryDependsOn, planOrder } from "../tool-runs/plan-order.js";
import { reportUnappliedAtMerge } from "./report-unapplied-at-merge.js";
import { resolveCheckoutProjects } from "../repo-reading/resolve-checkout-projects.js";
import { inOrder, runProjects } from "../tool-runs/run-projects.js";
import type { ApplyContext } from "./apply-context.js";
import { type ApplyRound, applyGatedProject } from "./apply-gated-project.js";
import { type Publisher, freeingSlotOnRefusal, projectFor, publisherFor, refuseAll } from "./apply-publisher.js";
import { trustedCommit } from "../repo-reading/trusted-commit.js";
import { finishApply } from "./finish-apply.js";
import { planRequirements } from "./plan-requirements.js";
import { scopeApplyCheckouts } from "./scope-apply-checkouts.js";
import { runPreHooks, runWorkflowHooks } from "../tool-runs/workflow-hooks.js";
import { producersOutside } from "../inputs/with-dependents.js";
import { rearmApplyButton } from "./rearm-apply-button.js";
import { clickedCheckMaker } from "./clicked-pull-request.js";
import { commandStillAsked } from "../authorization/command-still-asked.js";
import { askedBeforeHead } from "../authorization/asked-before-head.js";
import { mergeDecides } from "./merge-decides.js";
import { mergedWithoutPlans } from "./merged-without-plans.js";
import { goneAtMergeNote } from "../projects/gone-projects.js";
import { goneOfCheckout } from "../repo-reading/gone-of-checkout.js";

const repoName = (job: Pick<Job, "target">) => repoFullName(job.target.repo);

type ApplyJob = JobContext<SpecOf<"apply">>;

/** `/apply` (or apply on merge): only saved plans of the live head and base, for allowed users. */
export async function runApplyJob(jobCtx: ApplyJob): Promise<void> {
  const { job, deps, vcs } = jobCtx;
  const { repo } = job.target;
  // A click acts once: its check run is marked completed again before anything else, so that the
  // next click is told apart from this one sent again.
  await rearmApplyButton(vcs, job, deps.log);
  // The live head, never the payload's: a push after the comment makes the plan stale.
  const pr = await vcs.pullRequest(repo, job.target.pr);
  if (job.spec.trigger !== "merge") {
    // Who asked is checked before anything is cloned: a user without access gets nothing run.
    const who = await authorizeCommand(vcs, deps, job, "apply", "write");
    // A base branch's `apply_teams` is known only after the clone: then the applier check below decides.
    const repoTeams = deps.config.allowed_overrides.includes("apply_teams");
    if (!who.allowed && !repoTeams) {
      const asked = { road: job.spec.trigger, repo: repoName(job), number: pr.number, actor: job.spec.actor };
      await passBeforeCheckout(deps.store, asked, undefined, who);
      return replyRefused(vcs, deps, job, `Not applied: ${who.reasons.join("; ")}.`);
    }
  }
  const token = await vcs.cloneToken();
  jobCtx.secrets.add([token]);
  const checkoutAt = (sha: string, baseSha: string) =>
    jobCtx.checkout({
      repo,
      cloneUrl: job.target.cloneUrl,
      token,
      pr: pr.number,
      headSha: sha,
      baseSha,
      baseRef: pr.baseRef,
      // What the applies read is written once the plans to apply are known (scopeCheckout).
      sparse: deps.config.sparse_checkout,
    });
  await applyWith(jobCtx, pr, token, checkoutAt);
}

async function applyWith(
  jobCtx: ApplyJob,
  pr: PullRequestInfo,
  token: string,
  checkoutAt: (sha: string, baseSha: string) => Promise<Checkout>,
): Promise<void> {
  const { job, deps, vcs, secrets } = jobCtx;
  const spec = job.spec;
  const { repo } = job.target;

  let merge: ApplyContext["merge"];
  let trustedSha = pr.baseSha;
  if (spec.trigger === "merge") {
    if (!spec.mergeSha) throw new Error("the merge event carried no merge commit");
    merge = { sha: spec.mergeSha, checkout: await checkoutAt(spec.mergeSha, spec.mergeSha) };
  }
  // A closed pull request is refused before anything else, the PR's apply slot above all: taken by
  // an `/apply` that came just after the merge, it would make the merge's own apply give up.
  if (spec.trigger !== "merge" && pr.state !== "open") {
    return refuseAll(publisherFor(jobCtx, pr, false), "This pull request is closed: nothing was applied.");
  }
  const head = await checkoutAt(pr.headSha, pr.baseSha);
  // The config that decides is the base branch before this merge, not what the PR brought in
  // (a rebase merge's parent holds the PR's earlier commits): both commits are in the mirror now.
  if (merge) trustedSha = await deps.workspace.baseBeforeMerge(repo, merge.sha, pr.headSha);
  const trusted = await trustedCommit(deps, vcs, repo, pr, trustedSha);
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.headSha, trusted, deps.config.repo_config_file, pr.baseRef);
  const settings = await pullRequestSettings(deps, vcs, job, pr, trusted, configs.trusted);
  if (merge && settings.applyOn !== "merge") return reportUnappliedAtMerge(jobCtx, pr, configs.head.ok ? configs.head.config : undefined);
  if (merge && configs.head.ok && (await deps.store.pendingPlans(repoName(job), pr.number)).length === 0)
    return mergedWithoutPlans(jobCtx, pr, head, configs.head.config, settings);

  if (spec.commentId) await vcs.react(repo, spec.commentId, "eyes").catch(() => undefined);
  const shown = publisherFor(jobCtx, pr, merge !== undefined);
  await shown.publish({ state: "queued", results: [] });
  const op = await deps.store.beginPrOperation(repoName(job), pr.number, "apply", job.id);
  const endOp = () => deps.store.endPrOperation(repoName(job), pr.number, "apply", job.id);
  const publisher = freeingSlotOnRefusal(shown, endOp);
  if (!op.ok) {
    const notice = "An apply is already in progress for this pull request; this command was not run. Wait for it to finish.";
    await publisher.publish({ state: "done", results: [], notice, tone: "refused" });
    return;
  }
  const ctx: ApplyContext = {
    job,
    deps,
    vcs,
    pr,
    token,
    head,
    secrets,
    settings,
    headConfig: configs.head,
    merge,
    trusted,
    trustedProjects: configs.trusted?.projects,
    tools: createProjectRunner({ deps, job, vcs, settings, secrets }),
  };
  try {
    await applyPullRequest(ctx, publisher);
  } catch (e) {
    await publisher.fault(e);
    throw e;
  } finally {
    await endOp();
  }
}

async function applyPullRequest(ctx: ApplyContext, publisher: Publisher): Promise<void> {
  const { job, deps, pr, secrets, settings } = ctx;
  const spec = job.spec;
  const repo = repoName(job);
  const merged = ctx.merge !== undefined;
  if (!ctx.headConfig.ok) {
    const { file, errors } = ctx.headConfig;
    return refuseAll(publisher, `${file} is invalid; nothing was applied. Fix it and push again:\n${errors.join("\n")}`);
  }
  const config = ctx.headConfig.config;
  const road = spec.trigger;
  // The emergency brake (console, admins) is the gate's first rule: asked now, before anything
  // else runs, and again for each project inside its run lock.
  const who = { road, repo, number: pr.number, actor: spec.actor };
  const early = await passBeforeCheckout(deps.store, who, await deps.store.appliesPaused(), ALLOWED);
  if (!early.allowed) return refuseAll(publisher, refusalText(early.reasons));

  const plans = (await deps.store.pendingPlans(repo, pr.number)).filter((p) => matchesFilter(p, spec.command?.filter));
  if (plans.length === 0) {
    const what = spec.command?.filter && Object.keys(spec.command.filter).length ? " matching this command" : "";
    return refuseAll(
      publisher,
      `Nothing to apply: this pull request has no current plan${what}. Comment \`/plan\` first, then \`/apply\`.`,
    );
  }
  const projectOf = new Map(plans.map((p) => [p.id, projectFor(p, config)]));
  const planOf = new Map(plans.map((p) => [projectOf.get(p.id) as Project, p]));
  const requirementsOf = (p: PlanRecord) => settings.requirementsFor(projectOf.get(p.id) as Project);
  const needs = (r: "mergeable" | "undiverged") => !merged && plans.some((p) => requirementsOf(p).includes(r));
  // Sluice's own `sluice/apply` goes on the head before GitHub is asked what blocks the PR: a base
  // branch that requires it holds the PR `blocked` until the apply, and only a run of Sluice's own
  // tells that block apart from one Sluice cannot see (`mergeable`).
  if (needs("mergeable")) await publisher.check({ state: "queued", results: [] });
  const facts = await gatherPrFacts(deps, ctx.vcs, job, pr, settings, ctx.token, {
    mergeable: needs("mergeable"),
    undiverged: needs("undiverged"),
    verified: plans.some((p) => requirementsOf(p).includes("verified_commits")),
  });
  // A merge was done by someone branch protection let merge; every other road asks who is applying.
  const actorAllowed = merged ? mergeDecides(pr.baseRef, ctx.trusted) : checkApplier(facts);
  const asked = await passBeforeCheckout(deps.store, who, undefined, actorAllowed);
  if (!asked.allowed) return refuseAll(publisher, `${refusalText(asked.reasons)}.`);
  const resolved = await resolveCheckoutProjects(deps, ctx.job.target.repo, ctx.head, config);
  const requirementsFor = await planRequirements(ctx, plans, requirementsOf, facts);

  const projects = [...planOf.keys()];
  carryDependsOn(projects, resolved.all);
  const all = [...config.projects.map(toProject), ...projects.filter((p) => !config.projects.some((c) => c.name === p.name))];
  const order = planOrder(config, all, projects);
  const waves = order.ok ? order : { ok: true as const, waves: [projects], dependsOn: () => [] };
  const { sameTree } = await scopeApplyCheckouts(ctx, resolved.tree, [...projects, ...producersOutside(all, projects)]);
  // The server's workflow hooks for `apply` (Atlantis' `commands: apply`), in the PR's checkout.
  const hookFacts = {
    command: "apply",
    pr,
    repo: job.target.repo,
    user: spec.actor,
    commentArgs: [],
    projectName: spec.command?.filter.project,
  };
  const hooks = await runPreHooks({ deps, job, checkout: ctx.head, secrets, facts: hookFacts });
  if (hooks.refusal) return refuseAll(publisher, hooks.refusal);
  const names = projects.map((p) => p.name);
  await publisher.publish({ state: "running", results: [], pending: names });
  await publisher.check({ state: "running", results: [], pending: names });

  const clickedCheckBy = (await clickedCheckMaker(job, deps.store))?.id;
  const round: ApplyRound = {
    road,
    merged,
    // A merge's permission was to merge; every other road asks GitHub again who is applying.
    actorNow: merged ? async () => actorAllowed : async () => checkApplier(await applierNow(deps, ctx.vcs, job, settings, facts)),
    all,
    sameTree,
    requirementsFor,
    sensitive: [],
    dependsOn: waves.dependsOn,
    clickedCheckBy,
    stillAsked: commandStillAsked(ctx.vcs, job),
    askedBeforeHead: await askedBeforeHead(deps.store, ctx.vcs, spec, job.target.repo, pr),
  };
  const results = await runProjects({
    deps,
    job,
    repo,
    order: waves,
    parallel: settings.parallelApply,
    verb: "apply",
    step: (project, run) => applyGatedProject(ctx, round, planOf.get(project) as PlanRecord, project, run),
  });
  secrets.add(round.sensitive);
  const post = await runWorkflowHooks("post", { deps, job, checkout: ctx.head, secrets, facts: hookFacts });
  const hookWarning = post.ok ? undefined : `⚠️ ${post.line} (the applies above are unaffected; the hook's output is in the job log)`;
  // A merge that applied the other projects says what it left up, unmanaged: a project whose dir it deleted.
  const gone = merged
    ? goneAtMergeNote(await goneOfCheckout(deps, job.target.repo, settings.baseProjects, resolved, ctx.head, pr.baseRef))
    : undefined;
  const warning = [hookWarning, gone].filter((w) => w !== undefined).join("\n") || undefined;
  await finishApply(ctx, publisher, { ordered: inOrder(projects, results), all, automerge: settings.automerge && !merged, warning });
}
