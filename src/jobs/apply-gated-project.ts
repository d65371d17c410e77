import { join } from "node:path";
import { actorIdField } from "../model/job.js";
import { askedBeforePlan } from "../authorization/asked-before-plan.js";
import { changeControlFacts } from "../authorization/change-control-facts.js";
import { planPolicyFact } from "../authorization/plan-policy-fact.js";
import { prGateFacts, prPlanRuleFacts } from "../authorization/pr-gate-facts.js";
import type { RequirementFacts } from "../gate/gate-facts.js";
import { passGate } from "../gate/pass-gate.js";
import type { Road } from "../model/gate.js";
import type { ProjectResult } from "../model/project-result.js";
import type { Project } from "../model/project.js";
import { repoFullName } from "../model/repo.js";
import { combine, type Decision } from "../policy/decision.js";
import type { PlanRecord } from "../store/store.js";
import { inputsFact } from "../tool-runs/inputs-fact.js";
import { planFileHere } from "../tool-runs/plan-file-here.js";
import { removePlanCopy } from "../tool-runs/remove-plan-copy.js";
import type { ProjectRun } from "../tool-runs/run-projects.js";
import type { ApplyContext } from "./apply-context.js";
import { applyOne, inputsContext, plansDirOf, replanAtMerge } from "./apply-one.js";

/** What every project of one PR's apply shares: the road, who may apply, the facts asked once. */
export interface ApplyRound {
  road: Road;
  merged: boolean;
  /** Whether who asked may apply, read again for each project's gate (their access may be taken away meanwhile). */
  actorNow(): Promise<Decision>;
  /** Every project of the repo, the planned ones included (inputs from producers). */
  all: Project[];
  /** The merge commit's tree is the planned one: the plan applies as it is. */
  sameTree: boolean;
  requirementsFor(plan: PlanRecord): Promise<RequirementFacts>;
  /** Values the applies marked sensitive, redacted from everything the job writes after. */
  sensitive: string[];
  /** Every project a project depends on (`depends_on`, transitively), selected by the command or not. */
  dependsOn(project: Project): string[];
  /** A click of the Apply button: the job that made the clicked check run (its plans are the ones it shows). */
  clickedCheckBy?: number;
  /** Whether the command's comment still says it (deleted or edited while the apply ran: refused). */
  stillAsked(): Promise<Decision>;
  /**
   * A comment's `/apply` written before the head was pushed: asked once for the round, as the head
   * (the job's live one) and the comment are the same for each of its projects.
   */
  askedBeforeHead?: { askedAt: string; pushedAt: string };
}

/** One project's apply: its plan file, the gate's decision inside the run lock, then the tool. */
export async function applyGatedProject(
  ctx: ApplyContext,
  round: ApplyRound,
  plan: PlanRecord,
  project: Project,
  run: ProjectRun,
): Promise<ProjectResult> {
  const { job, deps, pr, settings } = ctx;
  const spec = job.spec;
  const repo = repoFullName(job.target.repo);
  const refuse = (reason: string): ProjectResult => ({ project, status: "refused", reason, output: "" });
  // Inside the run lock: nothing can replace, discard or unlock the plan between this check and the apply.
  // The plan file is this replica's own, or a copy of the store's bytes; its hash is checked either way.
  const here = await planFileHere(deps.store, plan, join(plansDirOf(ctx, plan), `apply-${job.id}-${plan.id}`), deps.planKey);
  try {
    const others = (await deps.store.pendingPlans(repo, pr.number)).filter((p) => p.id !== plan.id);
    // `/apply -p` selects projects, never their order: a dependency whose changes are still
    // waiting to be applied (not selected, or refused) keeps its dependents waiting too.
    const unapplied = round.dependsOn(project).filter((d) => others.some((p) => p.project === d && p.summary.hasChanges));
    if (unapplied.length) {
      const names = unapplied.map((d) => `\`${d}\``).join(", ");
      return refuse(
        `\`${project.name}\` depends on ${names}, whose plan is not applied yet: apply ${unapplied.length === 1 ? "it" : "them"} first (\`/apply -p ${unapplied[0]}\`), or comment \`/apply\` to apply them in order`,
      );
    }
    const pending = others.map((p) => p.project);
    const inputs = await inputsFact(inputsContext(ctx, round.all, plan), plan.summary, project, new Set(pending));
    const requirements = await round.requirementsFor(plan);
    const override = spec.command?.overrideProtect;
    const merged = round.merged;
    // The gate, inside the run lock: nothing can replace, discard or unlock the plan, or pause
    // applies unseen, between this decision and the tool.
    const decision = await passGate(
      deps.store,
      prGateFacts(
        { road: round.road, job, pr, plan, project, settings, merged },
        {
          pause: await deps.store.appliesPaused(),
          // Who asked, that they still may and still ask: access taken away or a comment withdrawn since the job started applies nothing more.
          actorAllowed: combine(await round.actorNow(), await round.stillAsked()),
          // A merge applies what its merger's PR was approved for; their permission was to merge.
          ...(await changeControlFacts(deps, ctx.vcs, settings.identityOf(project), {
            actor: spec.actor,
            ...actorIdField(spec.actorId),
            actions: merged ? [] : plan.summary.destroyPlan ? ["apply", "destroy"] : ["apply"],
            override: spec.command?.overrideWindow,
          })),
          // Audited as the applies are recorded: a new project named like a base one is told apart.
          recordedAs: settings.recordNameOf(project),
          clickedSha: spec.checkSha,
          onClickedCheck: round.clickedCheckBy === undefined ? undefined : plan.jobId === round.clickedCheckBy,
          askedBeforeHead: round.askedBeforeHead,
          askedBeforePlan: await askedBeforePlan(deps.store, job, plan),
          requirements,
          ...(await prPlanRuleFacts(deps, ctx.vcs, { job, pr, plan, project, settings, requirements, override })),
          stillPending: (await deps.store.pendingPlans(repo, pr.number)).some((p) => p.id === plan.id),
          lockHeld: (await deps.store.locksOf(repo, pr.number)).some(
            (l) => l.dir === plan.dir && l.workspace === plan.workspace && (l.scope === "" || l.scope === plan.project),
          ),
          file: here.ok ? { ok: true } : { ok: false, reason: here.reason },
          policies: await planPolicyFact(deps, ctx.vcs, plan),
          inputs: inputs.fact,
        },
      ),
    );
    if (!decision.allowed) return refuse(decision.reasons.join("; "));
    if (!here.ok) return refuse(here.reason);
    let target = { planFile: here.planFile, checkoutDir: ctx.head.dir };
    if (ctx.merge && !round.sameTree) {
      // The merged tree differs from the planned one: plan again at the merge commit and
      // apply only if it would make exactly the approved changes, values included.
      const again = await replanAtMerge(ctx, plan, project, run, inputs.inputs);
      if (!again.ok) return again.result;
      target = { planFile: again.planFile, checkoutDir: ctx.merge.checkout.dir };
    }
    const applied = await applyOne(ctx, decision.pass, plan, project, target, run, inputs.inputs);
    round.sensitive.push(...applied.sensitiveValues);
    return applied.result;
  } finally {
    if (here.copyDir) await removePlanCopy(here.copyDir, deps.log);
  }
}
