import { constants } from "node:fs";
import { copyFile, lstat, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { changeControlFacts, verifiedHeadFact } from "../authorization/change-control-facts.js";
import { planPolicyFact } from "../authorization/plan-policy-fact.js";
import { passGate } from "../gate/pass-gate.js";
import { agentFacts, planRuleFacts } from "../authorization/plan-rule-facts.js";
import { inputsFact } from "../tool-runs/inputs-fact.js";
import type { JobContext } from "../job-context/job-context.js";
import type { DriftPause } from "../model/drift.js";
import type { Project } from "../model/project.js";
import { repoFullName } from "../model/repo.js";
import { ALLOWED } from "../policy/decision.js";
import type { ProjectRun } from "../tool-runs/run-projects.js";
import { hashFile } from "../workspace/hash-file.js";
import { applyDriftPlan } from "./apply-drift-plan.js";
import { classifyDrift, destroysSomething, liveDrift } from "./classify-drift.js";
import type { ProjectDrift } from "./drift-result.js";
import { DRIFT_SLOT, planDefaultHead } from "./plan-default-head.js";
import type { DefaultHead } from "./read-default-head.js";
import { sourceDirsOf } from "./source-dirs-of.js";
import { pausedNow } from "./pause-of.js";
import { lastApplyOf } from "../preview/scheduled-destroy-due.js";
import type { LiveApply } from "../store/store-records.js";

/** What checking one project of a drift check works with: the job's context and the default branch head. */
export type DriftContext = Pick<JobContext, "job" | "deps" | "vcs" | "secrets"> &
  Pick<DefaultHead, "checkout" | "settings" | "tree" | "all"> & {
    branch: string;
    /** The repository's drift pauses and what is live, read when the check began (for its report). */
    pauses: DriftPause[];
    live: LiveApply[];
  };

/** One project, under its run lock: plan, classify, maybe reconcile. */
export async function checkDriftProject(ctx: DriftContext, project: Project, log: ProjectRun["log"]): Promise<ProjectDrift> {
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
  const inCluster = outcome.summary.hasChanges ? undefined : liveDrift(outcome.summary);
  if (inCluster && "unread" in inCluster)
    return { project, status: "error", step: "live diff", message: inCluster.unread, output: outcome.output };
  if (!outcome.summary.hasChanges && !inCluster?.resources.length) return { project, status: "in-line" };

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
    resources: inCluster ? inCluster.resources : classifyDrift(outcome.summary, changed),
    summary: outcome.summary,
    output: outcome.output,
    planFile,
    planHash: await hashFile(planFile),
    ...(outcome.credentials ? { credentials: outcome.credentials } : {}),
  };
  // Kept by plan hash: whichever road applies this plan (reconcile, `/apply` on its issue), the gate reads it.
  if (outcome.policy) await deps.store.savePolicyCheck({ repo: name, pr: DRIFT_SLOT, planHash: drifted.planHash }, outcome.policy);
  const drift = settings.driftFor(project);
  if (drift.onDrift !== "apply") return drifted;
  // Its plan (the render diff) is empty: the gate's plan rules would read nothing of what applying
  // it changes in the cluster. Reported; someone applies it on purpose (`/apply` on its issue).
  if (inCluster) {
    const reason =
      "only the live diff against the cluster differs from git, and the gate's plan rules read the render diff: reported, not reconciled by itself (comment `/apply` on the drift issue to apply the default branch's render)";
    return { ...drifted, reconcile: { done: false, reason } };
  }
  // Reconcile puts back what the default branch defines. A workspace a `/drift -d DIR -w WS` named
  // that no project of the branch has (another PR's preview, a new environment) is not one: applying
  // there by a comment would be an apply no rule asked for and nobody approved. Reported only.
  if (settings.identityOf(project).kind !== "known") {
    const reason = `${project.dir}, workspace ${project.workspace} is not a project of the default branch (the command named the workspace): it is reported, never reconciled`;
    return { ...drifted, reconcile: { done: false, reason } };
  }

  // A workspace its `destroy_at` / `idle_ttl` destroyed stays destroyed until someone applies it on
  // purpose (a PR, `/apply` on the drift issue): reconcile bringing it back would undo the destroy
  // and, its last apply now newer than `destroy_at`, keep it for good. Read now, under the run lock.
  // Under its name, or one its place was applied under that no project of the branch has now (a
  // rename since the destroy): what lives there was destroyed, whatever it is called now.
  const names = new Set(ctx.all.map((p) => p.name));
  const applies = (await deps.store.liveApplies(name)).filter((a) => a.project === project.name || !names.has(a.project));
  const last = lastApplyOf(
    applies.map((a) => ({ ...a, project: project.name })),
    project,
  );
  if (last?.source === "scheduled-destroy") {
    const reason = `the workspace was destroyed by its schedule (\`destroy_at\` / \`idle_ttl\`) at ${new Date(last.at).toISOString().slice(0, 16).replace("T", " ")} UTC: apply it from a pull request, or \`/apply\` on the drift issue, to bring it back`;
    return { ...drifted, reconcile: { done: false, reason } };
  }
  // Pull mode: put git's state back, within the same run lock, if the gate allows it. Everything is
  // read now, under the run lock: a pause set while this run planned other projects counts.
  const inputsWhere = { checkoutDir: checkout.dir, all: ctx.all, scratchDir: dirname(planFile), trustedProjects: ctx.all };
  const inputs = await inputsFact({ deps, job, settings, secrets, ...inputsWhere }, outcome.summary, project, new Set());
  // Asked for in a comment, the reconcile applies now because that person asked: the server's
  // `permissions` for applying the project hold for them, as they hold for `/drift resume`, and an
  // agent (which may never apply) is refused. A schedule's reconcile is Sluice's own (the trusted
  // config asked for it).
  const askedBy = job.spec.kind === "drift-check" && job.spec.trigger === "comment" ? job.spec.actor : undefined;
  const decision = await passGate(deps.store, {
    road: "reconcile",
    repo: name,
    project: project.name,
    number: 0,
    actor: askedBy ?? "sluice",
    ...(askedBy ? { agents: agentFacts(deps.config, askedBy, []) } : {}),
    pause: await deps.store.appliesPaused(),
    // The trusted config (server, or the default branch's within `allowed_overrides`) asked for it.
    actorAllowed: ALLOWED,
    ...(await changeControlFacts(deps, ctx.vcs, settings.identityOf(project), {
      actor: askedBy ?? "sluice",
      actions: askedBy ? ["apply"] : [],
    })),
    plan: {
      madeFor: { headSha: checkout.headSha },
      // Read now, under the run lock: a branch that moved since this run read its head (a merge
      // applied while it planned) makes this plan an older head's, which must not be applied.
      live: { headSha: (await ctx.vcs.defaultBranch(repo)).sha },
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
    policies: await planPolicyFact(deps, ctx.vcs, { repo: name, pr: DRIFT_SLOT, planHash: drifted.planHash, runner: project.runner }),
    driftPause: await pausedNow(deps.store, name, project),
    inputs: inputs.fact,
    planRules: await planRuleFacts(ctx.vcs, {
      repo: name,
      project: project.name,
      rules: settings.planRulesFor(project),
      summary: outcome.summary,
      runner: project.runner,
      actor: "sluice",
      agents: deps.config.agents,
    }),
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
    defaultBranch: ctx.branch,
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
