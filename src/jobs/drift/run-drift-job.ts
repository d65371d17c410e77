import { constants } from "node:fs";
import { copyFile, lstat, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type RepoSettings, repoSettings } from "../../config/repo-settings.js";
import type { JobDeps } from "../job-deps.js";
import { loadRepoConfigs } from "../load-repo-configs.js";
import { readRepoTreeAt } from "../read-repo-tree.js";
import { sourceDirsOf } from "../../drift/source-dirs-of.js";
import type { ProjectTree } from "../../model/project-tree.js";
import { type Secrets, secretsFor } from "../secrets.js";
import type { DriftPause } from "../../model/drift.js";
import type { Job } from "../../model/job.js";
import type { Project } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import { resolveProjects } from "../../projects/resolve-projects.js";
import { PROJECT_DETECTORS } from "../../../runners/registry.js";
import { selectProjects } from "../../projects/select-projects.js";
import { escapeText } from "../../render/escape-text.js";
import { inlineCode } from "../../render/inline.js";
import type { VcsClient } from "../../vcs/vcs-client.js";
import type { Checkout } from "../../workspace/workspace.js";
import { hashFile } from "../../workspace/hash-file.js";
import { applyDriftPlan } from "./apply-drift-plan.js";
import { classifyDrift, destroysSomething } from "../../drift/classify-drift.js";
import type { DriftRun, ProjectDrift } from "../../drift/drift-result.js";
import { mayRunDrift } from "./may-run-drift.js";
import { DRIFT_SLOT, planDefaultHead } from "./plan-default-head.js";
import { inputsFact } from "../inputs-fact.js";
import { passGate } from "../../gate/pass-gate.js";
import { ALLOWED } from "../../policy/decision.js";
import { planPolicyFact } from "../plan-policy-fact.js";
import { changeControlFacts, verifiedHeadFact } from "../change-control-facts.js";
import { DRIFT_CHECK, renderDriftCheck } from "../../drift/render-drift.js";
import { schedulesOf } from "../../drift/schedules-of.js";
import { syncDriftIssues } from "./sync-drift-issues.js";
import { driftCheckOf } from "../../drift/drift-check-of.js";
import type { IssueInfo } from "../../vcs/vcs-client.js";
import { inOrder, type ProjectRun, runProjects } from "../run-projects.js";
import { checkoutDefaultHead } from "./checkout-default-head.js";
import { errorMessage } from "../../util/errors.js";
import { jobMarker, printComment } from "../../render/comment-body.js";

interface DriftContext {
  job: Job;
  deps: JobDeps;
  vcs: VcsClient;
  checkout: Checkout;
  branch: string;
  settings: RepoSettings;
  secrets: Secrets;
  pauses: DriftPause[];
  /** The default branch head's files and local references, to follow a project's modules. */
  tree: ProjectTree;
  /** Every project of the default branch: producers of `inputs_from` / `values_from` are found here. */
  all: Project[];
}

/**
 * A drift job: `/drift [pause|resume]`, a schedule that came due, or a push to the default branch
 * (which only refreshes the repo's schedules). A check plans the default branch head of each
 * project, classifies what differs, reconciles where the repo asks for it, and reports: the
 * `sluice/drift` check run on that head and one issue per drifted project.
 */
export async function runDriftJob(job: Job, deps: JobDeps): Promise<void> {
  if (job.spec.kind !== "drift") throw new Error(`runDriftJob got a ${job.spec.kind} job`);
  const spec = job.spec;
  const { repo } = job.target;
  const name = repoFullName(repo);
  const vcs = await deps.vcsFor(job);
  const secrets = secretsFor(deps);
  const reply = async (text: string) => {
    if (spec.trigger === "comment" && job.commentIds.length === 0) {
      const id = await vcs.createComment(repo, job.target.pr, printComment({ marker: jobMarker(job.id), text: secrets.redact(text) }));
      await deps.store.updateJob(job.id, { commentIds: [id] });
    }
  };
  if (spec.trigger === "comment") {
    if (spec.commentId) void vcs.react(repo, spec.commentId, "eyes").catch(() => undefined);
    const who = await mayRunDrift(deps, vcs, repo, spec.actor);
    if (!who.ok) return reply(`Not run: ${who.reason}.`);
  }

  const { head, checkout } = await checkoutDefaultHead(deps, vcs, job, secrets);
  try {
    const configs = await loadRepoConfigs(deps.workspace, repo, head.sha, head.sha);
    if (!configs.head.ok) {
      const text = `${configs.head.file} on ${head.name} is invalid, so no drift check ran:\n${configs.head.errors.join("\n")}`;
      await vcs.createCheck(repo, DRIFT_CHECK, head.sha, {
        status: "completed",
        conclusion: "failure",
        title: "Invalid repository config",
        summary: secrets.redact(text),
      });
      return reply(text);
    }
    const config = configs.head.config;
    const settings = repoSettings(deps.config, name, configs.trusted);
    const tree = await readRepoTreeAt(deps.workspace, repo, head.sha, checkout.files);
    const all = resolveProjects(config, tree, [], PROJECT_DETECTORS).all;
    // Every drift job keeps the stored schedules in line with the default branch's config.
    await deps.store.syncDriftSchedules(
      name,
      { ...job.target, pr: 0, payloadHeadSha: undefined },
      schedulesOf(all, (p) => settings.driftFor(p).schedule, Date.now()),
    );
    if (spec.trigger === "push") {
      deps.log.info({ jobId: job.id, repo: name, sha: head.sha }, "default branch moved: drift schedules refreshed");
      return;
    }

    const cmd = spec.command;
    if (cmd && cmd.action !== "check") {
      // Pausing names a project of the default branch: a typo must not look like a pause.
      const project = cmd.filter.project ?? "";
      if (!all.some((p) => p.name === project)) {
        return reply(
          `Not done: there is no project ${inlineCode(project)} on ${inlineCode(head.name)} (projects: ${
            all
              .map((p) => inlineCode(p.name))
              .slice(0, 20)
              .join(", ") || "none"
          }).`,
        );
      }
      if (cmd.action === "pause") {
        await deps.store.setDriftPause(name, project, { actor: spec.actor, reason: cmd.reason ?? "" });
        await deps.store.recordAudit({
          actor: spec.actor,
          action: "drift-pause",
          repo: name,
          project,
          pr: job.target.pr,
          detail: cmd.reason ?? "",
        });
        return reply(
          `Reconciliation of project ${inlineCode(project)} is paused: drift checks still report it, nothing is applied to it by itself (reason: ${escapeText(cmd.reason ?? "", 300)}). Comment \`/drift resume -p ${project}\` to restart it.`,
        );
      }
      await deps.store.setDriftPause(name, project, undefined);
      await deps.store.recordAudit({ actor: spec.actor, action: "drift-resume", repo: name, project, pr: job.target.pr, detail: "" });
      return reply(`Reconciliation of project ${inlineCode(project)} is resumed.`);
    }

    let projects: Project[];
    if (spec.trigger === "schedule") {
      const due = new Set(spec.projects ?? []);
      projects = all.filter((p) => due.has(p.name));
    } else {
      const selection = selectProjects(all, all, spec.command?.filter ?? {}, {
        strictWorkspaces: config.projects.length > 0 && !config.autodiscover.enabled,
      });
      if ("error" in selection) return reply(selection.error);
      projects = selection.projects;
    }

    const check = await vcs.createCheck(
      repo,
      DRIFT_CHECK,
      head.sha,
      {
        status: "in_progress",
        title: `Checking ${projects.length} ${projects.length === 1 ? "project" : "projects"} for drift`,
        summary: "Planning the default branch head…",
      },
      `drift-${job.id}`,
    );
    const ctx: DriftContext = {
      job,
      deps,
      vcs,
      checkout,
      branch: head.name,
      settings,
      secrets,
      pauses: await deps.store.driftPauses(name),
      tree,
      all,
    };
    // A fault in one project (git, the store) is that project's error, not the end of the run.
    const checkOne = (project: Project, log: ProjectRun["log"]) =>
      checkProject(ctx, project, log).catch((e: unknown): ProjectDrift => {
        deps.log.error({ jobId: job.id, project: project.name, err: errorMessage(e) }, "drift check of a project failed");
        return { project, status: "error", step: "drift check", message: errorMessage(e), output: "" };
      });
    // The same orchestration as PR plans: the project's run lock (never beside an apply of it), then a slot, then its log.
    const checked = await runProjects<ProjectDrift>({
      deps,
      job,
      repo: name,
      order: { ok: true, waves: [projects], dependsOn: () => [] },
      parallel: true,
      verb: "plan",
      step: (project, run) => checkOne(project, run.log),
      succeeded: (r) => r.status !== "error",
    });
    const results = inOrder(projects, checked);
    const run: DriftRun = {
      repo: name,
      branch: head.name,
      sha: head.sha,
      results: results.filter((r): r is ProjectDrift => r !== undefined),
      at: new Date().toISOString(),
    };
    const pauseOf = (project: string) => ctx.pauses.find((p) => p.project === project);
    let urls: Map<string, IssueInfo>;
    try {
      urls = await syncDriftIssues({
        deps,
        vcs,
        job,
        repo,
        run,
        redact: secrets.redact,
        onDriftOf: (project) => settings.driftFor({ name: project }).onDrift,
        pausedOf: pauseOf,
      });
    } catch (e) {
      // The check must not stay "in progress" forever: say the report failed, then let the worker log it.
      const message = secrets.redact(errorMessage(e));
      await vcs
        .updateCheck(repo, check, {
          status: "completed",
          conclusion: "failure",
          title: "Drift check: the report failed",
          summary: `The drift issues could not be updated: ${escapeText(message, 500)}`,
        })
        .catch(() => undefined);
      throw e;
    }
    // The last outcome of each project, for the console and `/metrics` (after the issues: it names them).
    for (const r of run.results) await deps.store.recordDriftCheck(driftCheckOf(name, r, run.at, urls.get(r.project.name)));
    const rendered = renderDriftCheck(run, secrets.redact, (p) => urls.get(p)?.htmlUrl);
    await vcs.updateCheck(repo, check, {
      status: "completed",
      conclusion: rendered.conclusion,
      title: rendered.title,
      summary: rendered.summary,
    });
    deps.log.info(
      { jobId: job.id, repo: name, sha: head.sha, drifted: run.results.filter((r) => r.status === "drifted").map((r) => r.project.name) },
      `drift check: ${rendered.title}`,
    );
    await reply(`**Drift check** of ${inlineCode(head.name)} at ${head.sha.slice(0, 7)}: ${rendered.title}.\n\n${rendered.summary}`);
  } finally {
    checkout.release();
  }
}

/** One project, under its run lock: plan, classify, maybe reconcile. */
async function checkProject(ctx: DriftContext, project: Project, log: ProjectRun["log"]): Promise<ProjectDrift> {
  const { job, deps, checkout, settings, secrets } = ctx;
  const repo = job.target.repo;
  const name = repoFullName(repo);
  // With apply-before-merge, a PR applied but not merged legitimately differs from the default branch.
  const lock = await deps.store.lockOn(name, project.dir, project.workspace);
  if (lock && (await deps.store.appliedByPr(name, lock.pr, project.dir, project.workspace))) {
    return { project, status: "skipped", reason: `#${lock.pr} applied, not merged yet`, appliedBy: lock.pr };
  }
  deps.log.info({ jobId: job.id, project: project.name }, "drift check: planning the default branch head");
  // The default branch's config is the trusted one: its mappings may pass sensitive outputs.
  const outcome = await planDefaultHead(
    { deps, job, repo, checkoutDir: checkout.dir, settings, secrets, all: ctx.all, trustedProjects: ctx.all },
    project,
    log,
  );
  if ("skipped" in outcome) return { project, status: "skipped", reason: outcome.skipped };
  if (!outcome.ok) return { project, status: "error", step: outcome.failedStep, message: outcome.message, output: outcome.output };
  secrets.add(outcome.summary.sensitiveValues);
  if (!outcome.summary.hasChanges) return { project, status: "in-line" };

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
    resources: classifyDrift(outcome.summary, changed),
    summary: outcome.summary,
    output: outcome.output,
    planFile,
    planHash: await hashFile(planFile),
  };
  // Kept by plan hash: whichever road applies this plan (reconcile, `/apply` on its issue), the gate reads it.
  if (outcome.policy) await deps.store.savePolicyCheck({ repo: name, pr: DRIFT_SLOT, planHash: drifted.planHash }, outcome.policy);
  const drift = settings.driftFor(project);
  if (drift.onDrift !== "apply") return drifted;

  // Pull mode: put git's state back, within the same run lock, if the gate allows it. Everything is
  // read now, under the run lock: a pause set while this run planned other projects counts.
  const inputsWhere = { checkoutDir: checkout.dir, all: ctx.all, scratchDir: dirname(planFile), trustedProjects: ctx.all };
  const inputs = await inputsFact({ deps, job, settings, secrets, ...inputsWhere }, outcome.summary, project, new Set());
  const decision = await passGate(deps.store, {
    road: "reconcile",
    repo: name,
    project: project.name,
    number: 0,
    actor: "sluice",
    pause: await deps.store.appliesPaused(),
    // The trusted config (server, or the default branch's within `allowed_overrides`) asked for it.
    actorAllowed: ALLOWED,
    ...(await changeControlFacts(deps, ctx.vcs, repo, project.name, { actor: "sluice", actions: [] })),
    plan: {
      madeFor: { headSha: checkout.headSha },
      live: { headSha: checkout.headSha },
      // Made by this run, under this run lock, and hashed after the tool ended.
      stillPending: true,
      file: { ok: true },
      replan: `Comment \`/drift -p ${project.name}\` to check again.`,
      headOf: "default branch",
    },
    lock: { road: "drift", heldByPr: lock?.pr },
    verifiedHead: await verifiedHeadFact(ctx.vcs, repo, checkout.headSha, settings.requirementsFor(project)),
    destroy: {
      destroys: destroysSomething(outcome.summary),
      allowed: drift.allowDestroy,
      what: "the plan destroys or replaces resources, and `allow_destroy` is not set for this project's drift",
    },
    policies: await planPolicyFact(deps, { repo: name, pr: DRIFT_SLOT, planHash: drifted.planHash, runner: project.runner }),
    driftPause: (await deps.store.driftPauses(name)).find((p) => p.project === project.name),
    inputs: inputs.fact,
  });
  if (!decision.allowed) {
    return {
      ...drifted,
      reconcile: { done: false, reason: decision.reasons.join("; "), ...(decision.rule === "lock" && lock ? { heldBy: lock.pr } : {}) },
    };
  }
  const applied = await applyDriftPlan({
    pass: decision.pass,
    deps,
    vcs: ctx.vcs,
    job,
    repo,
    project,
    settings,
    secrets,
    checkoutDir: checkout.dir,
    planFile,
    planHash: drifted.planHash,
    commitSha: checkout.headSha,
    source: "reconcile",
    inputs: inputs.inputs,
    planId: 0,
    number: 0,
    actor: "sluice",
  });
  await deps.store.recordAudit({
    actor: "sluice",
    action: "reconcile",
    repo: name,
    project: project.name,
    detail: applied.ok
      ? `applied ${checkout.headSha.slice(0, 7)}`
      : `failed at ${checkout.headSha.slice(0, 7)}: ${secrets.redact(applied.message)}`,
  });
  // Applied: this plan is spent and no issue will show it (a failed one stays for the issue).
  if (applied.ok) await rm(planFile, { force: true });
  // A failed apply is not tried again on every tick: the project is paused until someone resumes it.
  else
    await deps.store.setDriftPause(name, project.name, {
      actor: "sluice",
      reason: `reconciling failed at ${checkout.headSha.slice(0, 7)}; fix it, then \`/drift resume -p ${project.name}\``,
    });
  deps.log.info({ jobId: job.id, project: project.name, ok: applied.ok }, "drift reconciled: git's state applied");
  return {
    ...drifted,
    reconcile: applied.ok ? { done: true, outcome: "applied" } : { done: true, outcome: "failed", message: applied.message },
  };
}
