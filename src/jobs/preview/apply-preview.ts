import { agentsByAccount, jobPeople } from "../../policy/named-people.js";
import { authorOf } from "../../model/person.js";
import { actorIdField } from "../../model/job.js";
import type { GateFacts } from "../../gate/gate-facts.js";
import { createProjectRunner } from "../../tool-runs/project-runner.js";
import { passGate } from "../../gate/pass-gate.js";
import { agentFacts, planRuleFacts } from "../../authorization/plan-rule-facts.js";
import type { Road } from "../../model/gate.js";
import type { PreviewRecord } from "../../model/preview.js";
import type { Project } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import type { Decision } from "../../policy/decision.js";
import { hashFile } from "../../workspace/hash-file.js";
import { changeControlFacts } from "../../authorization/change-control-facts.js";
import { planPolicyFact } from "../../authorization/plan-policy-fact.js";
import type { RunInputs } from "../../tool-runs/runner-request.js";
import type { JobLogWriter } from "../../tool-runs/store-job-log.js";
import type { PreviewPlan } from "./plan-preview.js";
import { baseRefOf, type PreviewRun, previewProject, shownOutputs } from "./preview-context.js";

export type PreviewApplied =
  | { ok: true; output: string; outputs: Record<string, unknown> }
  | { ok: false; refused: boolean; message: string; output: string };

/**
 * Asks the gate for this preview's road, then applies exactly the plan just made. Inside the
 * preview's run lock: the lock fact is the preview workspace's own (another PR holding it
 * refuses), never the project's real workspaces'.
 */
export async function applyPreview(
  ctx: PreviewRun,
  preview: PreviewRecord,
  plan: PreviewPlan,
  road: Extract<Road, "preview-apply" | "preview-destroy" | "scheduled-destroy">,
  /**
   * Whether the person it acts for may: asked here, at the gate, not at the job's start (a writer
   * demoted while the preview planned is refused, as an /apply's applier is).
   */
  actorNow: () => Promise<Decision>,
  log: Pick<JobLogWriter, "write">,
  project: Project = previewProject(preview),
  /** The inputs its plan was made with: a Helm apply renders again with them. */
  inputs?: RunInputs,
): Promise<PreviewApplied> {
  const { deps, vcs, settings, secrets, checkout, job } = ctx;
  const repo = job.target.repo;
  const name = repoFullName(repo);
  const pull = road === "preview-apply" ? await vcs.pullRequest(repo, preview.pr) : undefined;
  // A close while this plan ran: its destroy may be waiting for this run lock; applying now would
  // bring up a preview of a closed pull request for that destroy to take down again.
  if (pull && pull.state !== "open")
    return { ok: false, refused: true, message: "the pull request was closed while its preview was planned: not applied", output: "" };
  // A scheduled destroy's head is the default branch's, read now, inside the run lock: a commit that
  // removed its `idle_ttl` / `destroy_at` while it waited for the lock makes this plan stale.
  const live = pull ? pull.headSha : road === "scheduled-destroy" ? (await vcs.defaultBranch(repo)).sha : checkout.headSha;
  // Another pull request's lock there: this project's own first, then any at its dir and workspace
  // (the oldest may be this pull request's own lock on a sibling named project).
  const lockedBy = [
    await deps.store.lockOn(name, project.dir, project.workspace, settings.lockScopeFor(project)),
    await deps.store.lockOn(name, project.dir, project.workspace),
  ].find((l) => l !== undefined && l.pr !== preview.pr)?.pr;
  const hashNow = await hashFile(plan.planFile).catch(() => "");
  // By account too: an agent that renamed is still one.
  const agents = await agentsByAccount(jobPeople(deps, vcs), deps.config.agents);
  const actor = { login: ctx.actor, ...(ctx.actorId !== undefined ? { id: ctx.actorId } : {}) };
  const facts: GateFacts = {
    road,
    repo: name,
    project: project.name,
    number: preview.pr,
    actor: ctx.actor,
    pause: await deps.store.appliesPaused(),
    actorAllowed: await actorNow(),
    ...(await changeControlFacts(deps, vcs, settings.identityOf(project), {
      actor: ctx.actor,
      ...actorIdField(ctx.actorId),
      // A preview's apply always acts for a person (the pusher, the commenter, for a sync Sluice
      // queued the author or pusher): never skipped for the name `sluice`, which a GitHub user may hold.
      actions: road === "preview-apply" ? ["apply"] : [],
    })),
    plan: {
      madeFor: { headSha: checkout.headSha },
      // A push while this plan ran makes it stale: the push's own sync applies the newer commit.
      live: { headSha: live },
      stillPending: true,
      file: hashNow === plan.planHash ? { ok: true } : { ok: false, reason: "the preview's plan file changed after it was made" },
      replan:
        road === "scheduled-destroy"
          ? "The next sweep plans the destroy again."
          : "The next push plans the preview again; `/preview recreate` does it now.",
      headOf: road === "scheduled-destroy" ? "default branch" : "pull request",
    },
    lock: { road: "drift", heldByPr: lockedBy },
    policies: await planPolicyFact(deps, vcs, { repo: name, pr: preview.pr, planHash: plan.planHash, runner: project.runner }),
    planRules: await planRuleFacts(
      vcs,
      {
        repo: name,
        project: project.name,
        rules: settings.planRulesFor(project),
        summary: plan.summary,
        runner: project.runner,
        actor: ctx.actor,
        ...actorIdField(ctx.actorId),
        agents,
      },
      jobPeople(deps, vcs),
    ),
    agents: agentFacts({ agents }, actor, [pull ? authorOf(pull) : undefined]),
  };
  const decision = await passGate(deps.store, facts);
  if (!decision.allowed) return { ok: false, refused: true, message: decision.reasons.join("; "), output: "" };
  const tools = createProjectRunner({ deps, job, vcs, settings, secrets });
  // The apply set exists only once the gate allowed this preview's road, as for every apply: the
  // rule's preview set for a preview, the project's own for a scheduled destroy of a real workspace.
  const applied = await tools.apply(decision.pass, project, {
    checkoutDir: checkout.dir,
    planFile: plan.planFile,
    onOutput: (chunk) => log.write(chunk),
    inputs,
    preview: road !== "scheduled-destroy",
    claims: (admitted) => ({
      repository: admitted.repo,
      pull_request: preview.pr,
      head_sha: checkout.headSha,
      base_ref: baseRefOf(ctx),
      actor: admitted.actor,
    }),
  });
  if (!applied.ok)
    return { ok: false, refused: applied.refused && applied.failedStep !== "apply", message: applied.message, output: applied.output };
  if (road !== "preview-apply") return { ok: true, output: applied.output, outputs: {} };
  const read = await tools.outputs(project, { checkoutDir: checkout.dir, dataDir: plan.dataDir });
  return { ok: true, output: applied.output, outputs: read.ok ? shownOutputs(read.value.outputs) : {} };
}
