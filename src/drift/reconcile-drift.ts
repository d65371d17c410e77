import { agentsByAccount, jobPeople } from "../policy/named-people.js";
import { stateChangesOf } from "../gate/trusted-teardown.js";
import { actorIdField, actorOf } from "../model/job.js";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { changeControlFacts, verifiedHeadFact } from "../authorization/change-control-facts.js";
import { planPolicyFact } from "../authorization/plan-policy-fact.js";
import { agentFacts, planRuleFacts } from "../authorization/plan-rule-facts.js";
import type { GatePass } from "../gate/decide.js";
import { passGate } from "../gate/pass-gate.js";
import type { Project } from "../model/project.js";
import { repoFullName } from "../model/repo.js";
import { ALLOWED, combine } from "../policy/decision.js";
import { lastApplyOf } from "../preview/scheduled-destroy-due.js";
import type { LockRecord } from "../store/store-records.js";
import { inputsFact } from "../tool-runs/inputs-fact.js";
import { applyDriftPlan } from "./apply-drift-plan.js";
import type { DriftContext } from "./check-drift-project.js";
import { driftDestroyFact, NO_REVIEWS_ON_DRIFT } from "./drift-destroy-fact.js";
import type { ProjectDrift } from "./drift-result.js";
import { pausedNow } from "./pause-of.js";
import { mayApplyDriftNow } from "./may-run-drift.js";
import { DRIFT_SLOT } from "./plan-default-head.js";

type Drifted = Extract<ProjectDrift, { status: "drifted" }>;

/**
 * Pull mode (`on_drift: apply`): git's state put back, within the run lock the check holds, when
 * nothing rules it out and the gate allows it. Everything is read now, under the run lock: a pause
 * set while the check planned other projects counts.
 */
export async function reconcileDrift(
  ctx: DriftContext,
  project: Project,
  drifted: Drifted,
  found: { lock?: LockRecord; liveOnly: boolean },
): Promise<ProjectDrift> {
  const ruledOut = await notReconciled(ctx, project, found.liveOnly);
  if (ruledOut) return { ...drifted, reconcile: { done: false, reason: ruledOut } };
  const { decision, inputs } = await reconcileGate(ctx, project, drifted, found.lock);
  if (!decision.allowed) {
    const heldBy = decision.rule === "lock" && found.lock ? { heldBy: found.lock.pr } : {};
    return { ...drifted, reconcile: { done: false, reason: decision.reasons.join("; "), ...heldBy } };
  }
  return applyReconcile(ctx, project, drifted, decision.pass, inputs);
}

/** Why this drift is reported and never reconciled by itself, whatever the gate would say; undefined when it may be. */
async function notReconciled(ctx: DriftContext, project: Project, liveOnly: boolean): Promise<string | undefined> {
  // Its plan (the render diff) is empty: the gate's plan rules would read nothing of what applying
  // it changes in the cluster. Reported; someone applies it on purpose (`/apply` on its issue).
  if (liveOnly) {
    return "only the live diff against the cluster differs from git, and the gate's plan rules read the render diff: reported, not reconciled by itself (comment `/apply` on the drift issue to apply the default branch's render)";
  }
  // Reconcile puts back what the default branch defines. A workspace a `/drift -d DIR -w WS` named
  // that no project of the branch has (another PR's preview, a new environment) is not one: applying
  // there by a comment would be an apply no rule asked for and nobody approved. Reported only.
  if (ctx.settings.identityOf(project).kind !== "known") {
    return `${project.dir}, workspace ${project.workspace} is not a project of the default branch (the command named the workspace): it is reported, never reconciled`;
  }
  // A workspace its `destroy_at` / `idle_ttl` destroyed stays destroyed until someone applies it on
  // purpose (a PR, `/apply` on the drift issue): reconcile bringing it back would undo the destroy
  // and, its last apply now newer than `destroy_at`, keep it for good. Read now, under the run lock.
  // Under its name, or one its place was applied under that no project of the branch has now (a
  // rename since the destroy): what lives there was destroyed, whatever it is called now.
  const names = new Set(ctx.all.map((p) => p.name));
  const applies = (await ctx.deps.store.liveApplies(repoFullName(ctx.job.target.repo))).filter(
    (a) => a.project === project.name || !names.has(a.project),
  );
  const last = lastApplyOf(
    applies.map((a) => ({ ...a, project: project.name })),
    project,
  );
  if (last?.source === "scheduled-destroy") {
    return `the workspace was destroyed by its schedule (\`destroy_at\` / \`idle_ttl\`) at ${new Date(last.at).toISOString().slice(0, 16).replace("T", " ")} UTC: apply it from a pull request, or \`/apply\` on the drift issue, to bring it back`;
  }
  return undefined;
}

/** The gate's decision on reconciling this plan now, and the inputs from producers it read. */
async function reconcileGate(ctx: DriftContext, project: Project, drifted: Drifted, lock: LockRecord | undefined) {
  const { job, deps, checkout, settings, secrets } = ctx;
  const repo = job.target.repo;
  const name = repoFullName(repo);
  const inputsWhere = { checkoutDir: checkout.dir, all: ctx.all, scratchDir: dirname(drifted.planFile), trustedProjects: ctx.all };
  const inputs = await inputsFact({ deps, job, settings, secrets, ...inputsWhere }, drifted.summary, project, new Set());
  // Asked for in a comment, the reconcile applies now because that person asked: the server's
  // `permissions` for applying the project hold for them, as they hold for `/drift resume`, and an
  // agent (which may never apply) is refused. A schedule's reconcile is Sluice's own (the trusted
  // config asked for it).
  const askedBy = job.spec.kind === "drift-check" && job.spec.trigger === "comment" ? job.spec.actor : undefined;
  // By account: `permissions` and `agents` name accounts, whatever their login is now.
  const askedById = askedBy ? actorOf(job.spec).id : undefined;
  const agents = await agentsByAccount(jobPeople(deps, ctx.vcs), deps.config.agents);
  const decision = await passGate(deps.store, {
    road: "reconcile",
    repo: name,
    project: project.name,
    number: 0,
    actor: askedBy ?? "sluice",
    ...(askedBy ? { agents: agentFacts({ agents }, { login: askedBy, ...(askedById !== undefined ? { id: askedById } : {}) }, []) } : {}),
    pause: await deps.store.appliesPaused(),
    // The trusted config (server, or the default branch's within `allowed_overrides`) asked for it;
    // a `/drift` comment deleted or edited while the check planned reconciles nothing more.
    // Who asked may still apply: access taken away while the check planned reconciles nothing.
    actorAllowed: askedBy ? combine(await mayApplyDriftNow(deps, ctx.vcs, repo, actorOf(job.spec)), await ctx.stillAsked()) : ALLOWED,
    ...(await changeControlFacts(deps, ctx.vcs, settings.identityOf(project), {
      actor: askedBy ?? "sluice",
      ...actorIdField(askedById),
      actions: askedBy ? (drifted.summary.destroyPlan ? ["apply", "destroy"] : ["apply"]) : [],
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
    destroy: driftDestroyFact("reconcile", drifted.summary, project, settings),
    policies: await planPolicyFact(deps, ctx.vcs, { repo: name, pr: DRIFT_SLOT, planHash: drifted.planHash, runner: project.runner }),
    driftPause: await pausedNow(deps.store, name, project),
    inputs: inputs.fact,
    planRules: await planRuleFacts(
      ctx.vcs,
      {
        repo: name,
        project: project.name,
        rules: settings.planRulesFor(project),
        summary: drifted.summary,
        runner: project.runner,
        actor: "sluice",
        notCounted: NO_REVIEWS_ON_DRIFT,
        agents,
      },
      jobPeople(deps, ctx.vcs),
    ),
  });
  return { decision, inputs: inputs.inputs };
}

/** The gate allowed it: the plan applied through the one project runner, recorded, and a failure paused. */
async function applyReconcile(
  ctx: DriftContext,
  project: Project,
  drifted: Drifted,
  pass: GatePass,
  inputs: Awaited<ReturnType<typeof reconcileGate>>["inputs"],
): Promise<ProjectDrift> {
  const { job, deps, checkout, settings, secrets } = ctx;
  const repo = job.target.repo;
  const name = repoFullName(repo);
  const applied = await applyDriftPlan({
    pass,
    deps,
    vcs: ctx.vcs,
    job,
    repo,
    project,
    settings,
    secrets,
    checkoutDir: checkout.dir,
    planFile: drifted.planFile,
    planHash: drifted.planHash,
    commitSha: checkout.headSha,
    defaultBranch: ctx.branch,
    source: "reconcile",
    inputs,
    planId: 0,
    number: 0,
    actor: "sluice",
    teardown: drifted.summary.destroyPlan === true,
    stateChanges: stateChangesOf(drifted.summary),
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
  if (applied.ok) await rm(drifted.planFile, { force: true });
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
