import { constants } from "node:fs";
import { copyFile, lstat, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { JobContext } from "../job-context/job-context.js";
import type { DriftPause } from "../model/drift.js";
import type { Project } from "../model/project.js";
import { repoFullName } from "../model/repo.js";
import type { Decision } from "../policy/decision.js";
import type { ProjectRun } from "../tool-runs/run-projects.js";
import { hashFile } from "../workspace/hash-file.js";
import { reconcileDrift } from "./reconcile-drift.js";
import { classifyDrift, liveDrift } from "./classify-drift.js";
import type { ProjectDrift } from "./drift-result.js";
import { DRIFT_SLOT, planDefaultHead } from "./plan-default-head.js";
import type { DefaultHead } from "./read-default-head.js";
import { sourceDirsOf } from "./source-dirs-of.js";
import { markedTeardown } from "./drift-destroy-fact.js";
import { stateCountName } from "../config/trusted-identity.js";
import { withTrustedCount } from "../gate/trusted-teardown.js";
import type { LiveApply } from "../store/store-records.js";
import { newestApplyIsPrs } from "../tool-runs/newest-apply.js";

/** What checking one project of a drift check works with: the job's context and the default branch head. */
export type DriftContext = Pick<JobContext, "job" | "deps" | "vcs" | "secrets"> &
  Pick<DefaultHead, "checkout" | "settings" | "tree" | "all"> & {
    branch: string;
    /** The repository's drift pauses and what is live, read when the check began (for its report). */
    pauses: DriftPause[];
    live: LiveApply[];
    /** Whether the `/drift` comment that asked for the check still says it (always, for a schedule's). */
    stillAsked(): Promise<Decision>;
  };

/** One project, under its run lock: plan, classify, maybe reconcile. */
export async function checkDriftProject(ctx: DriftContext, project: Project, log: ProjectRun["log"]): Promise<ProjectDrift> {
  const { job, deps, checkout, settings, secrets } = ctx;
  const repo = job.target.repo;
  const name = repoFullName(repo);
  // With apply-before-merge, a PR applied but not merged legitimately differs from the default branch.
  // This project's lock and applies, not a sibling's on its dir and workspace (each its own backend):
  // a PR that applied staging left prod's drift unreported. And its apply still the newest: one
  // another PR's apply replaced (the lock let go, then taken again by a plan) hides nothing.
  // A reconcile's gate reads this lock too.
  const countedAs = stateCountName(settings.baseProjects, project, settings.recordNameOf(project));
  const own = await deps.store.lockOn(name, project.dir, project.workspace, settings.lockScopeFor(project));
  if (
    own &&
    (await newestApplyIsPrs(deps.store, name, settings.recordNameOf(project), own.pr)) &&
    (await deps.store.appliedByPr(name, own.pr, project.dir, project.workspace, undefined, countedAs))
  ) {
    return { project, status: "skipped", reason: `#${own.pr} applied, not merged yet`, appliedBy: own.pr };
  }
  deps.log.info({ jobId: job.id, project: project.name }, "drift check: planning the default branch head");
  // The default branch's config is the trusted one: its mappings may pass sensitive outputs.
  const outcome = await planDefaultHead(
    {
      deps,
      job,
      repo,
      checkoutDir: checkout.dir,
      headSha: checkout.headSha,
      branch: ctx.branch,
      settings,
      secrets,
      all: ctx.all,
      trustedProjects: ctx.all,
    },
    project,
    log,
  );
  if ("skipped" in outcome) return { project, status: "skipped", reason: outcome.skipped };
  if (!outcome.ok) return { project, status: "error", step: outcome.failedStep, message: outcome.message, output: outcome.output };
  secrets.add(outcome.summary.sensitiveValues);
  // A teardown (the runner read it from the plan: a default branch whose code a merged, never-applied
  // pull request emptied) is a destroy plan on the drift roads too: its issue and the gate say so.
  // Measured as a pull request's is, against no more than the live record's trusted count.
  const trusted = outcome.summary.deleted ? await deps.store.trustedStateCount(name, project.dir, project.workspace, countedAs) : undefined;
  const summary = markedTeardown(withTrustedCount(outcome.summary, trusted));
  const inCluster = summary.hasChanges ? undefined : liveDrift(summary);
  if (inCluster && "unread" in inCluster)
    return { project, status: "error", step: "live diff", message: inCluster.unread, output: outcome.output };
  if (!summary.hasChanges && !inCluster?.resources.length) return { project, status: "in-line" };

  // Each run keeps its own plan file: `/apply` on an issue applies the plan that issue shows, even
  // while a newer check is planning the same project.
  const planFile = join(dirname(outcome.planFile), `plan-${job.id}.tfplan`);
  // The sandbox had this dir writable: no end of the copy is a symlink it left (a file of Sluice's
  // own copied into the store as the plan, or overwritten with it).
  if (!(await lstat(outcome.planFile)).isFile()) {
    const message = "the plan file is not a regular file (a symlink or other special file was left in its place)";
    return { project, status: "error", step: "plan", message, output: outcome.output };
  }
  await rm(planFile, { recursive: true, force: true });
  await copyFile(outcome.planFile, planFile, constants.COPYFILE_EXCL);
  const live = (await deps.store.liveApplies(name, project.name)).find((l) => l.outcome === "succeeded");
  const changed = live
    ? await deps.workspace.changedBetween(repo, live.commitSha, checkout.headSha, sourceDirsOf(project.dir, ctx.tree))
    : undefined;
  const drifted: Extract<ProjectDrift, { status: "drifted" }> = {
    project,
    status: "drifted",
    resources: inCluster ? inCluster.resources : classifyDrift(summary, changed),
    summary,
    output: outcome.output,
    planFile,
    planHash: await hashFile(planFile),
    ...(outcome.credentials ? { credentials: outcome.credentials } : {}),
  };
  // Kept by plan hash: whichever road applies this plan (reconcile, `/apply` on its issue), the gate reads it.
  if (outcome.policy) await deps.store.savePolicyCheck({ repo: name, pr: DRIFT_SLOT, planHash: drifted.planHash }, outcome.policy);
  if (settings.driftFor(project).onDrift !== "apply") return drifted;
  return reconcileDrift(ctx, project, drifted, { lock: own, liveOnly: inCluster !== undefined });
}
