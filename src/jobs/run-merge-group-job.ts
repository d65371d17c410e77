import { rm } from "node:fs/promises";
import { createProjectRunner, type ProjectRunner } from "../tool-runs/project-runner.js";
import { approvedPlansOf } from "../policy/approved-plans-of.js";
import { everyoneMayPlan } from "../authorization/change-control-facts.js";
import { inputsBeforePlan, planInputs, runInputs } from "../tool-runs/plan-inputs.js";
import { pullRequestSettings } from "../repo-reading/trusted-settings.js";
import { trustedCommit } from "../repo-reading/trusted-commit.js";
import { join } from "node:path";
import { actorOf, type Job, type SpecOf } from "../model/job.js";
import type { Actor } from "../model/person.js";
import type { JobContext } from "../job-context/job-context.js";
import type { ProjectResult } from "../model/project-result.js";
import { repoFullName } from "../model/repo.js";
import { compareChanges } from "../policy/compare-changes.js";
import { renderCheck } from "../render/render-check.js";
import type { CheckUpdate } from "../vcs/vcs-client.js";
import { approvedPlans, groupPlanners } from "./merge-group-reviews.js";
import { loadRepoConfigs } from "../repo-reading/load-repo-configs.js";
import { planOrder } from "../tool-runs/plan-order.js";
import { resolveCheckoutProjects } from "../repo-reading/resolve-checkout-projects.js";
import { scopeCheckout } from "../repo-reading/scope-checkout.js";
import { inOrder, type ProjectRun, runProjects } from "../tool-runs/run-projects.js";
import type { Project } from "../model/project.js";
import type { PlanRecord } from "../store/store.js";
import type { RepoSettings } from "../config/repo-settings.js";
import { errorMessage } from "../util/errors.js";

const CHECK = "sluice/plan";

/**
 * GitHub's merge queue asks for the required checks on the merge group's commit (the base plus
 * the queued PRs): Sluice plans that commit and reports `sluice/plan` on it. Success only when
 * every affected project plans and, where a PR of the group has an approved pending plan of the
 * project, the group's plan makes exactly the approved changes (addresses, actions, values).
 * Nothing is locked or saved: the apply happens when the queue lands the commit (apply on merge).
 */
export async function runMergeGroupJob(ctx: JobContext<SpecOf<"merge_group">>): Promise<void> {
  const { job, deps, vcs, secrets } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  const { report, finish } = mergeGroupCheck(ctx);
  await report({ status: "queued", title: "Merge group: queued", summary: "Planning the merge group's commit." });

  const token = await vcs.cloneToken();
  secrets.add([token]);
  const checkout = await ctx.checkout({
    repo,
    cloneUrl: job.target.cloneUrl,
    token,
    pr: job.target.pr,
    headSha: spec.headSha,
    baseSha: spec.baseSha,
    baseRef: spec.baseRef,
    sparse: deps.config.sparse_checkout,
  });
  const dataRoot = join(deps.dataDir, "merge-groups", `job-${job.id}`);
  try {
    // The queue's target branch is trusted as a pull request's base is: the default branch, or a
    // protected one the server lists; otherwise the default branch head's config decides.
    const baseRef = spec.baseRef.replace(/^refs\/heads\//, "");
    const defaultBranch = (await vcs.defaultBranch(repo)).name;
    const trusted = await trustedCommit(deps, vcs, repo, { baseRef, defaultBranch }, spec.baseSha);
    const configs = await loadRepoConfigs(deps.workspace, repo, spec.headSha, trusted, deps.config.repo_config_file, baseRef);
    if (!configs.head.ok) {
      return finish([], `${configs.head.file} is invalid in the merge group:\n${configs.head.errors.join("\n")}`, true);
    }
    const config = configs.head.config;
    const settings = await pullRequestSettings(deps, vcs, job, { defaultBranch }, trusted, configs.trusted);
    const resolved = await resolveCheckoutProjects(deps, repo, checkout, config);
    const projects = resolved.affected;
    if (projects.length === 0) return finish([], "No project is affected by the merge group.");
    const order = planOrder(config, resolved.all, projects);
    if (!order.ok) return finish([], `The project graph in ${config.source} is invalid: ${order.error}`, true);
    await scopeCheckout(deps, repo, checkout, resolved.tree, projects, {
      enabled: settings.sparseCheckout,
      customWorkflow: (p) => settings.workflowFor(p).workflow !== undefined,
    });
    const pulls = await groupPulls(ctx);
    const approved = await approvedPlans(vcs, deps, job, pulls, settings.approvals);
    const planners = deps.config.permissions.length ? await groupPlanners(vcs, deps.store, job, actorOf(spec), pulls) : [];
    await report({
      status: "in_progress",
      title: `Merge group: planning ${projects.length} ${projects.length === 1 ? "project" : "projects"}`,
      summary: "Planning.",
    });

    const tools = createProjectRunner({ deps, job, vcs, settings, secrets });
    const planningInputs = planInputs(deps, job, settings, secrets, {
      checkoutDir: checkout.dir,
      all: resolved.all,
      scratchDir: dataRoot,
      trustedProjects: configs.trusted?.projects,
    });
    const results = await runProjects<ProjectResult>({
      deps,
      job,
      repo: repoFullName(repo),
      order,
      parallel: settings.parallelPlan,
      verb: "plan",
      step: (project, run) =>
        planGroupProject(
          { ctx, settings, tools, planningInputs, checkoutDir: checkout.dir, dataRoot, approved, all: resolved.all, planners },
          project,
          run,
        ),
    });
    await finish(inOrder(projects, results));
  } catch (e) {
    await finish([], `Sluice could not plan the merge group: ${errorMessage(e)}`, true).catch(() => undefined);
    throw e;
  } finally {
    await rm(dataRoot, { recursive: true, force: true });
  }
}

/** The group's `sluice/plan` check on its commit: created on the first report, then updated; its end. */
function mergeGroupCheck(ctx: JobContext<SpecOf<"merge_group">>) {
  const { job, deps, vcs, secrets } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  const input = (state: "queued" | "running" | "done", results: ProjectResult[], notice?: string) => ({
    jobId: String(job.id),
    command: "plan" as const,
    state,
    headSha: spec.headSha,
    triggerText: `merge queue (${spec.pulls.map((n) => `#${n}`).join(", ")})`,
    triggerUser: spec.actor,
    results,
    notice,
  });
  let checkRunId = job.checkRunId;
  const report = async (update: CheckUpdate) => {
    if (checkRunId === undefined) {
      checkRunId = await vcs.createCheck(repo, CHECK, spec.headSha, update, `sluice-job-${job.id}`);
      await deps.store.updateJob(job.id, { checkRunId });
    } else {
      await vcs.updateCheck(repo, checkRunId, update);
    }
  };
  const finish = async (results: ProjectResult[], notice?: string, failed = false) => {
    const r = renderCheck(input("done", results, notice), secrets.redact);
    const title = `Merge group: ${r.title}`;
    await report({
      status: "completed",
      conclusion: failed ? "failure" : r.conclusion === "neutral" ? "success" : r.conclusion,
      title,
      summary: r.summary,
    });
  };
  return { report, finish };
}

/** Every PR of the group: the branch names only the last one, the merge commits name every one. */
async function groupPulls(ctx: JobContext<SpecOf<"merge_group">>): Promise<number[]> {
  const { job, deps, vcs } = ctx;
  const { repo } = job.target;
  const merged = await deps.workspace.mergedHeads(repo, job.spec.baseSha, job.spec.headSha);
  const pulls = new Set(job.spec.pulls);
  for (const sha of merged) for (const n of await vcs.pullRequestsOfCommit(repo, sha)) pulls.add(n);
  return [...pulls];
}

/** What each project's plan in a merge group shares. */
interface GroupRound {
  ctx: JobContext<SpecOf<"merge_group">>;
  settings: RepoSettings;
  tools: ProjectRunner;
  planningInputs: ReturnType<typeof planInputs>;
  checkoutDir: string;
  dataRoot: string;
  /** The group's PRs' approved pending plans: what the group must not change. */
  approved: PlanRecord[];
  all: Project[];
  /** Who queued the group and each of its PRs' authors. */
  planners: Actor[];
}

/** One project of the group, planned as a PR's plan is, and held to the changes its PRs' reviewers approved. */
async function planGroupProject(g: GroupRound, project: Project, run: ProjectRun): Promise<ProjectResult> {
  const { job, deps, vcs } = g.ctx;
  const spec = job.spec;
  // The group's plan runs every queued PR's code with the project's plan credentials: as a
  // PR's autoplan is its author's, each author (and who queued it) must be one who may plan it.
  const may = await everyoneMayPlan(deps, vcs, g.settings.identityOf(project), g.planners);
  if (!may.allowed) return { project, status: "refused", reason: may.reasons.join("; "), output: "" };
  // As a PR's plan: the producers' outputs it takes, the policy sets and kubeconfig mounted.
  const inputs = await inputsBeforePlan(g.planningInputs, project, (chunk) => run.log.write(chunk));
  if (!inputs.ok) return { project, status: "error", failedStep: "inputs", message: inputs.error, output: "" };
  const ran = await g.tools.plan(project, {
    checkoutDir: g.checkoutDir,
    dataDir: join(g.dataRoot, `${project.dir.replace(/\//g, "_")}-${project.workspace}`),
    extraArgs: [],
    onOutput: (chunk) => run.log.write(chunk),
    inputs: runInputs(inputs.resolved),
    claims: {
      repository: repoFullName(job.target.repo),
      head_sha: spec.headSha,
      base_ref: spec.baseRef.replace(/^refs\/heads\//, ""),
      actor: spec.actor,
    },
  });
  if (!ran.ok && ran.refused) return { project, status: "refused", reason: ran.message, output: ran.output ?? "" };
  if (!ran.ok) {
    const { failedStep, message, durationMs } = ran;
    return { project, status: "error", failedStep, message, output: ran.output ?? "", durationMs };
  }
  const outcome = ran.value;
  if (outcome.outputs) g.planningInputs.produced.set(project.name, outcome.outputs);
  for (const plan of approvedPlansOf(project, g.approved, g.all)) {
    const diff = compareChanges(plan.summary, outcome.summary);
    if (diff) {
      return {
        project,
        status: "refused",
        reason: `the merge group's result differs from the plan approved on #${plan.pr} (${diff}): take the PR out of the queue, update it and plan again`,
        link: { text: `#${plan.pr}`, url: `${checkoutUrl(job)}/pull/${plan.pr}` },
        output: outcome.output,
      };
    }
  }
  return { project, status: "planned", summary: outcome.summary, output: outcome.output, durationMs: outcome.durationMs };
}

/** The repository's web URL, from its clone URL (`https://host/owner/name.git`). */
function checkoutUrl(job: Job): string {
  return job.target.cloneUrl.replace(/\.git$/, "");
}
