import { createProjectRunner } from "../tool-runs/project-runner.js";
import { asksWhoPlans, everyoneMayPlan } from "../authorization/change-control-facts.js";
import { queuedBySluice } from "./queued-by-sluice.js";
import { headCodeUsers } from "../authorization/head-push-facts.js";
import type { JobContext } from "../job-context/job-context.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { offersApply } from "../job-output/check-actions.js";
import type { Publisher } from "../job-output/publish-comments.js";
import { actorOf, type Job, type SpecOf } from "../model/job.js";
import { type Actor, authorOf } from "../model/person.js";
import { jobPeople } from "../policy/named-people.js";
import type { Project } from "../model/project.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { repoFullName } from "../model/repo.js";
import { explainWhy } from "../projects/explain-why.js";
import { goneNote } from "../projects/gone-projects.js";
import { goneOfCheckout } from "../repo-reading/gone-of-checkout.js";
import { selectProjects } from "../projects/select-projects.js";
import { resolveCheckoutProjects } from "../repo-reading/resolve-checkout-projects.js";
import { scopeCheckout } from "../repo-reading/scope-checkout.js";
import { planOrder } from "../tool-runs/plan-order.js";
import { inOrder, runProjects } from "../tool-runs/run-projects.js";
import { type HookFacts, runPreHooks, runWorkflowHooks } from "../tool-runs/workflow-hooks.js";
import type { Checkout } from "../workspace/workspace.js";
import { planNotice, withWarnings } from "./plan-notice.js";
import { planConfig } from "./plan-config.js";
import { type PlanContext, planProject } from "./plan-project.js";
import { reportPolicyCheck } from "./report-policy-check.js";
import { terragruntProblems } from "../../runners/terragrunt/terragrunt-problems.js";
import { producersOutside, withDependents } from "../inputs/with-dependents.js";
import { planInputs } from "../tool-runs/plan-inputs.js";
import { dataPaths } from "../workspace/data-paths.js";

type PlanJob = JobContext<SpecOf<"plan">>;

const FORK_REFUSAL =
  "This pull request comes from a fork. A plan runs the PR's code on the Sluice server, so this server does not plan forks (server setting `allow_fork_prs`).";

/** A pull request from a fork, on a server that does not plan forks. */
export const refusedFork = (pr: PullRequestInfo, job: Job, deps: JobDeps) =>
  pr.headRepo !== repoFullName(job.target.repo) && !deps.config.allow_fork_prs;

/**
 * Starts fetching the PR's head and base while the job still reads GitHub (the permissions it
 * checks answer slower than a fetch): the checkout then finds them there. Only commits come in;
 * nothing is checked out or run before the permissions allow it. Only a pull request of the
 * repository itself, whose branch a writer pushed: a fork's commits are anyone's (any size, again
 * at each push), fetched once its author's or commenter's permission allows a plan. Never fails:
 * the checkout fetches again and says what went wrong.
 */
export function prefetchHead(ctx: Pick<PlanJob, "job" | "deps" | "vcs" | "secrets">, pr: PullRequestInfo): Promise<void> {
  const { job, deps, vcs, secrets } = ctx;
  const prefetch = deps.workspace.prefetch?.bind(deps.workspace);
  if (!prefetch || pr.state !== "open" || pr.headRepo !== repoFullName(job.target.repo)) return Promise.resolve();
  const fetching = async () => {
    const token = await vcs.cloneToken();
    secrets.add([token]);
    const { repo, cloneUrl } = job.target;
    await prefetch({ repo, cloneUrl, token, pr: pr.number, headSha: pr.headSha, baseSha: pr.baseSha, baseRef: pr.baseRef });
  };
  return fetching().catch(() => undefined);
}

async function done(publisher: Publisher, notice: string, failed = false): Promise<void> {
  await publisher.publish({ state: "done", results: [], notice, tone: failed ? "failed" : "info" });
  await publisher.check({ state: "done", results: [], notice, failed });
}

/**
 * A plan job past its permission checks: the PR's checkout, its hooks and config, the projects
 * to plan in their order, each one's plan, and the comment and check that report them.
 */
export async function planPullRequest(
  ctx: PlanJob,
  pr: PullRequestInfo,
  publisher: Publisher,
  /** The queued comment, posting. */
  queued: Promise<void>,
): Promise<void> {
  const { job, deps, vcs, secrets } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  if (pr.state !== "open") return done(publisher, "This pull request is closed: nothing was planned.");
  if (refusedFork(pr, job, deps)) return done(publisher, FORK_REFUSAL);
  // GitHub calls that only report progress overlap the fetch and the plans instead of delaying them.
  // `/plan --why` plans nothing: the check keeps what the last plan reported.
  const progress: Promise<unknown>[] = [queued, ...(spec.command?.why ? [] : [publisher.check({ state: "queued", results: [] })])];
  for (const p of progress) p.catch(() => undefined);

  const token = await vcs.cloneToken();
  secrets.add([token]);
  const checkoutAt = (headSha: string, baseSha: string, sparse = false) =>
    ctx.checkout({ repo, cloneUrl: job.target.cloneUrl, token, pr: pr.number, headSha, baseSha, baseRef: pr.baseRef, sparse });
  // The PR's own worktree holds only what its plans read (scopeCheckout, once they are known).
  const checkout = await checkoutAt(pr.headSha, pr.baseSha, deps.config.sparse_checkout);
  const hookFacts = {
    command: "plan",
    pr,
    repo,
    user: spec.actor,
    commentArgs: spec.command?.extraArgs ?? [],
    projectName: spec.command?.filter.project,
  };
  const targets = await planTargets(ctx, pr, checkout, hookFacts);
  if (!targets.ok) return done(publisher, targets.refusal, true);
  const { config, settings, warnings, resolved, projects } = targets;
  // `/plan --why`: the reasons in the reply, and nothing planned or locked; the check keeps what
  // the last plan reported.
  if (spec.command?.why) {
    await publisher.publish({ state: "done", results: [], notice: explainWhy(projects, checkout.changedFiles), tone: "info" });
    return;
  }
  // A project the pull request takes away (its dir deleted, unlisted, made a module) is planned no more: said, never silent.
  const gone = goneNote(await goneOfCheckout(deps, repo, settings.baseProjects, resolved, checkout, pr.baseRef));
  if (projects.length === 0) {
    const none = "No project is affected by the changes in this pull request.";
    return done(publisher, withWarnings(gone ? `${gone}\n${none}` : none, warnings));
  }
  // atlantis.yaml: Atlantis' meaning (depends_on gates applies only); .sluice.yaml keeps its own
  // (plans in dependency order, a failed dependency stops its dependents' plans).
  const order = planOrder(config, resolved.all, projects, { plan: config.source === "atlantis.yaml" });
  if (!order.ok) {
    const where = config.source === "none" ? "The projects' dependencies are invalid" : `The project graph in ${config.source} is invalid`;
    return done(publisher, `${where}: ${order.error}`, true);
  }

  const { results, sensitive } = await planEachProject(ctx, pr, { ...targets, checkout, checkoutAt, order, publisher, progress });
  // Sensitive values are known only once each plan is shown: everything posted is redacted with all of them.
  secrets.add(sensitive);
  const post = await runWorkflowHooks("post", { deps, job, checkout, secrets, facts: hookFacts });
  if (!post.ok) warnings.push(`⚠️ ${post.line} (the plans above are unaffected; the hook's output is in the job log)`);
  const notice = planNotice(deps, settings, config, projects, warnings, gone);
  await Promise.all(progress);
  const ordered = inOrder(projects, results);
  await publisher.final({
    state: "done",
    results: ordered,
    notice,
    applyButton: offersApply(settings, ordered, deps.config.allow_commands),
  });
  await reportPolicyCheck(deps, vcs, job, pr, secrets.redact);
}

/**
 * What the PR's checkout asks to plan: its pre-workflow hooks run, its config read (the trusted
 * settings beside it), its projects resolved and those this plan covers selected (a command's
 * filter, or the affected ones and their dependents); or why nothing is planned.
 */
async function planTargets(ctx: PlanJob, pr: PullRequestInfo, checkout: Checkout, hookFacts: Omit<HookFacts, "dir">) {
  const { job, deps, secrets } = ctx;
  const spec = job.spec;
  const hooks = await runPreHooks({ deps, job, checkout, secrets, facts: hookFacts });
  if (hooks.refusal) return { ok: false as const, refusal: hooks.refusal };
  const hooked = hooks.ran > 0;
  const read = await planConfig(ctx, pr, checkout.dir, hooked);
  if (!read.ok) return read;
  const resolved = await resolveCheckoutProjects(deps, job.target.repo, checkout, read.config);
  const strict = read.config.projects.length > 0 && !read.config.autodiscover.enabled;
  const selection = spec.command
    ? selectProjects(resolved.all, resolved.affected, spec.command.filter, { strictWorkspaces: strict })
    : { projects: withDependents(resolved.all, resolved.affected) };
  if ("error" in selection) return { ok: false as const, refusal: selection.error };
  const projects = selection.projects;
  read.warnings.push(...terragruntProblems(resolved.tree, projects));
  return { ...read, resolved, projects, hooked };
}

type Targets = Extract<Awaited<ReturnType<typeof planTargets>>, { ok: true }>;

/**
 * Plans the selected projects in their order: outdated plans superseded first, the checkout
 * scoped to what the plans read, progress posted, then each project's plan (the server's
 * per-project `permissions` first). Returns the results and every plan's sensitive values.
 */
async function planEachProject(
  ctx: PlanJob,
  pr: PullRequestInfo,
  t: Targets & {
    checkout: Checkout;
    checkoutAt: (headSha: string, baseSha: string) => Promise<Checkout>;
    order: Extract<ReturnType<typeof planOrder>, { ok: true }>;
    publisher: Publisher;
    /** Progress posts under way: the running ones join them. */
    progress: Promise<unknown>[];
  },
) {
  const { job, deps, vcs, secrets } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  const { checkout, settings, projects, resolved } = t;
  await supersedeOutdatedPlans(deps, job, pr, spec.command ? undefined : projects);
  await scopeCheckout(deps, repo, checkout, resolved.tree, [...projects, ...producersOutside(resolved.all, projects)], {
    enabled: settings.sparseCheckout && !t.hooked,
    customWorkflow: (p) => settings.workflowFor(p).workflow !== undefined,
    extraArgs: spec.command?.extraArgs,
  });

  t.progress.push(
    t.publisher.publish({ state: "running", results: [], pending: projects.map((p) => p.name) }),
    t.publisher.check({ state: "running", results: [], pending: projects.map((p) => p.name) }),
  );
  for (const p of t.progress) p.catch(() => undefined);

  // Helm and Kustomize plans diff renders: they need the tree the PR's changes start from.
  const needsBase = projects.some((p) => deps.tools.runners[p.runner]?.needsBase);
  const baseDir = needsBase ? (await t.checkoutAt(checkout.mergeBase, checkout.mergeBase)).dir : undefined;
  const sensitive: string[] = [];
  const inputs = planInputs(deps, job, settings, secrets, {
    checkoutDir: checkout.dir,
    all: resolved.all,
    scratchDir: dataPaths.prPlans(deps.dataDir, repo, pr.number),
    trustedProjects: t.configs.trusted?.projects,
  });
  let headUsers: Promise<Actor[]> | undefined;
  const planning: PlanContext = {
    job,
    deps,
    pr,
    checkout,
    baseDir,
    run: { deps, settings, secrets },
    tools: createProjectRunner({ deps, job, vcs, settings, secrets }),
    extraArgs: spec.command?.extraArgs ?? [],
    actor: spec.actor,
    inputs,
    // Read once, by the first plan (or the rule) that asks: it may read GitHub.
    codeUsers: () => (headUsers ??= headCodeUsers(deps.store, vcs, repo, pr)),
    people: jobPeople(deps, vcs),
  };
  // An autoplan Sluice queued itself (a lock released, a head the heal found) runs the head as it
  // is now: the author's code, and that of whoever pushed it (one the rule refused may have pushed
  // to a waiting PR, its push heard or not). Found only where a rule asks who plans: finding them
  // may read the branch's activity and the commit on GitHub.
  const asked = t.order.waves.flat().some((p) => asksWhoPlans(deps, settings.identityOf(p)));
  const author = authorOf(pr);
  const planners = !queuedBySluice(job) ? [actorOf(spec)] : asked ? [...(await planning.codeUsers())] : [author];
  const results = await runProjects({
    deps,
    job,
    repo: repoFullName(repo),
    order: t.order,
    parallel: settings.parallelPlan,
    verb: "plan",
    step: async (project, run) => {
      // The server's per-project `permissions` may name who may plan a project (an autoplan is the PR author's).
      const may = await everyoneMayPlan(deps, vcs, settings.identityOf(project), planners);
      if (!may.allowed) return { project, status: "refused" as const, reason: may.reasons.join("; "), output: "" };
      const result = await planProject(planning, project, run);
      if (result.status === "planned") sensitive.push(...result.summary.sensitiveValues);
      return result;
    },
  });
  return { results, sensitive };
}

/**
 * A plan at an older head can never be applied (apply checks the live head), but it is marked
 * superseded at once so nothing lists it; in an autoplan, projects no longer affected lose theirs.
 */
async function supersedeOutdatedPlans(deps: JobDeps, job: Job, pr: PullRequestInfo, affected?: Project[]) {
  const repo = repoFullName(job.target.repo);
  const pending = await deps.store.pendingPlans(repo, pr.number);
  const stale = pending.filter(
    (p) =>
      p.headSha !== pr.headSha ||
      (affected !== undefined && !affected.some((a) => a.dir === p.dir && a.workspace === p.workspace && a.name === p.project)),
  );
  if (stale.length) await deps.store.supersedePlans(repo, pr.number, stale);
}
