import { join } from "node:path";
import { authorOf } from "../model/person.js";
import { createProjectRunner, type ProjectRunner, type StateAt } from "../tool-runs/project-runner.js";
import type { RepoSettings } from "../config/repo-settings.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { Decision } from "../policy/decision.js";
import type { Checkout } from "../workspace/workspace.js";
import { ownersCommit, pullRequestSettings } from "../repo-reading/trusted-settings.js";
import { actorOf, type SpecOf, actorIdField } from "../model/job.js";
import { agentsByAccount, jobPeople } from "../policy/named-people.js";
import type { ProjectFilter } from "../model/command.js";
import type { RepoConfig } from "../model/repo-config.js";
import type { ResolvedProjects } from "../projects/resolve-projects.js";
import type { JobContext } from "../job-context/job-context.js";
import type { ProjectResult } from "../model/project-result.js";
import type { Project } from "../model/project.js";
import { repoFullName } from "../model/repo.js";
import { selectProjects } from "../projects/select-projects.js";
import { renderStateReply, type StateReply } from "../render/render-state-reply.js";
import { dataPaths } from "../workspace/data-paths.js";
import { authorizeCommand, replyRefused } from "../authorization/authorize-command.js";
import { loadRepoConfigs } from "../repo-reading/load-repo-configs.js";
import { resolveCheckoutProjects } from "../repo-reading/resolve-checkout-projects.js";
import { siblingPrUrl } from "./plan-project.js";
import { type ProjectRun, runProjects } from "../tool-runs/run-projects.js";
import { releaseLocks } from "./release-locks.js";
import type { Road } from "../model/gate.js";
import { passBeforeCheckout, passGate } from "../gate/pass-gate.js";
import { agentFacts } from "../authorization/plan-rule-facts.js";
import { gatherCodeOwners } from "../repo-reading/gather-code-owners.js";
import { gatherPrFacts } from "../authorization/pr-gate-facts.js";
import { approvingReviewers } from "../policy/count-approvals.js";
import { requirementFacts } from "../gate/requirement-facts.js";
import { type TrustedCommit, trustedCommit } from "../repo-reading/trusted-commit.js";
import { changeControlFacts } from "../authorization/change-control-facts.js";
import { askedBeforeHead } from "../authorization/asked-before-head.js";

const STATE_COMMANDS: Record<SpecOf<"state">["command"]["kind"], { name: string; road: Road; verb: string }> = {
  import: { name: "import", road: "import", verb: "import" },
  state_rm: { name: "state rm", road: "state-rm", verb: "remove resources from state" },
  state_push: { name: "state push-errored", road: "state-push", verb: "push a kept state" },
};

/** Where a push asked on a closed pull request (a failed apply on merge says to push) is done instead. */
const CLOSED_PUSH =
  "This pull request is closed: nothing was pushed. `/state push-errored` runs on an open pull request: comment `/unlock` here first if this pull request keeps the project's lock (an apply of it that failed keeps it), then `/state push-errored` on an open pull request that leaves the project's backend as it is.";

/**
 * `/import ADDRESS ID`, `/state rm ADDRESS…` and `/state push-errored`: they change a project's state with no plan to
 * review, so they are applies at the gate: write access, no pause, only a project the PR changes,
 * the project's requirements (approvals of the live head, as there is no plan to postdate), the
 * project lock and the run lock. The PR's plans of the project are discarded afterwards: they
 * were made against the old state.
 */
export async function runStateJob(ctx: JobContext<SpecOf<"state">>): Promise<void> {
  const { job, deps, vcs, secrets } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  const pr = await vcs.pullRequest(repo, job.target.pr);
  const command = spec.command;
  const operation = stateOperation(command);
  const { name, road, verb } = STATE_COMMANDS[command.kind];
  const reply = (outcome: StateReply["outcome"], project?: Project) =>
    ctx.reply(
      renderStateReply(
        { operation: name, commandLine: spec.commandLine ?? `/${name}`, user: spec.actor, project, outcome },
        secrets.redact,
      ),
    );
  const refuse = (reason: string, project?: Project) => reply({ kind: "refused", reason }, project);

  const who = await authorizeCommand(vcs, deps, job, verb, "write");
  const asked = { road, repo: repoFullName(repo), number: pr.number, actor: spec.actor };
  const early = await passBeforeCheckout(deps.store, asked, await deps.store.appliesPaused(), who);
  if (!early.allowed) {
    // A refusal for who asked is one comment per user and PR, as for every command; a pause is the reply itself.
    if (who.allowed) return refuse(early.reasons.join("; "));
    return replyRefused(vcs, deps, job, `Nothing was changed: ${early.reasons.join("; ")}.`);
  }
  if (pr.state !== "open") return refuse(command.kind === "state_push" ? CLOSED_PUSH : "This pull request is closed: nothing was changed.");
  if (pr.headRepo !== repoFullName(repo) && !deps.config.allow_fork_prs) {
    return refuse("This pull request comes from a fork, and this server does not run forks (server setting `allow_fork_prs`).");
  }
  void vcs.react(repo, spec.commentId, "eyes").catch(() => undefined);

  const token = await vcs.cloneToken();
  secrets.add([token]);
  const checkout = await ctx.checkout({
    repo,
    cloneUrl: job.target.cloneUrl,
    token,
    pr: pr.number,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    baseRef: pr.baseRef,
  });
  const trusted = await trustedCommit(deps, vcs, repo, pr, pr.baseSha);
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.headSha, trusted, deps.config.repo_config_file, pr.baseRef);
  if (!configs.head.ok) return refuse(`${configs.head.file} is invalid; nothing was changed:\n${configs.head.errors.join("\n")}`);
  const config = configs.head.config;
  const settings = await pullRequestSettings(deps, vcs, job, pr, trusted, configs.trusted);
  const resolved = await resolveCheckoutProjects(deps, repo, checkout, config);
  const chosen = oneStateProject(deps, resolved, config, command.filter, { name, operation });
  if ("refusal" in chosen) return refuse(chosen.refusal, chosen.project);
  const { project } = chosen;
  const tools = createProjectRunner({ deps, job, vcs, settings, secrets });
  const cannot = await tools.check(project, checkout.dir, road === "state-push");
  if (cannot) return refuse(cannot.message, project);

  const round: StateRound = { ctx, pr, settings, token, who, road, verb, checkout, tools, operation, trusted };
  const results = await runProjects({
    deps,
    job,
    repo: repoFullName(repo),
    order: { ok: true, waves: [[project]], dependsOn: () => [] },
    parallel: false,
    verb: "apply",
    step: async (p, run): Promise<ProjectResult> => {
      const changedByPr = resolved.affected.some((a) => a.dir === p.dir && a.workspace === p.workspace);
      // A project the PR does not change is refused by the gate; its lock is not taken for that.
      // A held project's push takes it whatever the PR changes: the hold may come from a drift road.
      // Taken for the push alone, it is given back once the push ends (refused, failed or done):
      // left with a PR that does not change the project, it would keep every other PR of it waiting.
      const lendsLock = road === "state-push" && !changedByPr && !(await holdsLock(deps, repoFullName(repo), pr.number, p));
      try {
        return await stateStep(round, p, run, changedByPr);
      } finally {
        if (lendsLock) await releaseLocks(deps, job, [{ dir: p.dir, workspace: p.workspace, project: p.name }]);
      }
    },
  });
  const result = [...results.values()][0];
  if (!result) return refuse("nothing ran", project);
  if (result.status === "applied") return reply({ kind: "done", output: result.output }, project);
  if (result.status === "error")
    return reply({ kind: "failed", step: result.failedStep, message: result.message, output: result.output }, project);
  return refuse(result.status === "refused" ? result.reason : "not run", project);
}

/** The tool's state operation the command asks for. */
function stateOperation(command: SpecOf<"state">["command"]): StateAt["operation"] {
  if (command.kind === "import") return { kind: "import", address: command.address, id: command.id };
  return command.kind === "state_push" ? { kind: "push-errored" } : { kind: "rm", addresses: command.addresses };
}

/** The one project the command changes, of a tool that takes the command; why not, otherwise. */
function oneStateProject(
  deps: JobContext["deps"],
  resolved: ResolvedProjects,
  config: RepoConfig,
  filter: ProjectFilter,
  asked: { name: string; operation: StateAt["operation"] },
): { project: Project } | { refusal: string; project?: Project } {
  const { name, operation } = asked;
  const selection = selectProjects(resolved.all, resolved.affected, filter, {
    strictWorkspaces: config.projects.length > 0 && !config.autodiscover.enabled,
  });
  if ("error" in selection) return { refusal: selection.error };
  const [project, ...more] = selection.projects;
  if (!project) return { refusal: "No project is affected by this pull request: choose one with `-p` or `-d`." };
  if (more.length) {
    const names = selection.projects.map((p) => `\`${p.name}\``).join(", ");
    return { refusal: `this changes one project's state at a time, and ${names} match: choose one with \`-p\` or \`-d\`.` };
  }
  const runner = deps.tools.runners[project.runner];
  if (!runner?.state) return { refusal: `${project.runner} projects have no state to ${name}`, project };
  const kind = operation.kind === "push-errored" ? "push" : operation.kind;
  if (runner.stateOperations && !runner.stateOperations.includes(kind))
    return { refusal: `${project.runner} projects take no \`/${name}\` (only \`/state push-errored\` of a state Sluice kept)`, project };
  return { project };
}

/** What the state command's one project run works with. */
interface StateRound {
  ctx: JobContext<SpecOf<"state">>;
  pr: PullRequestInfo;
  settings: RepoSettings;
  token: string;
  who: Decision;
  road: Road;
  /** What the command does, as the refusal of a user without access says it. */
  verb: string;
  checkout: Checkout;
  tools: ProjectRunner;
  operation: StateAt["operation"];
  /** Whose CODEOWNERS judge `code_owners` (the trusted commit, else the default branch's head). */
  trusted: TrustedCommit;
}

/** The project's lock, the gate (an apply's rules: there is no plan to review) and the tool. */
async function stateStep(r: StateRound, p: Project, run: ProjectRun, changedByPr: boolean): Promise<ProjectResult> {
  const { ctx, pr, settings, token, who, road, checkout, tools, operation, trusted, verb } = r;
  const { job, deps, vcs } = ctx;
  const { repo } = job.target;
  const spec = job.spec;
  const lock =
    changedByPr || road === "state-push"
      ? await deps.store.takeLock(
          {
            repo: repoFullName(repo),
            dir: p.dir,
            workspace: p.workspace,
            project: p.name,
            scope: settings.lockScopeFor(p),
            pr: pr.number,
          },
          job.target,
        )
      : ({ ok: false, heldBy: undefined } as const);
  const requirements = settings.requirementsFor(p);
  const needs = (r: "mergeable" | "undiverged") => requirements.includes(r);
  const facts = await gatherPrFacts(deps, vcs, job, pr, settings, token, {
    mergeable: needs("mergeable"),
    undiverged: needs("undiverged"),
    verified: requirements.includes("verified_commits"),
  });
  const codeOwners = requirements.includes("code_owners")
    ? (
        await gatherCodeOwners(
          deps,
          vcs,
          repo,
          checkout,
          await ownersCommit(deps, vcs, job, pr, trusted),
          [p.dir],
          approvingReviewers(facts.reviews),
        )
      ).get(p.dir)
    : undefined;
  // Delivered late (redelivered, or queued behind other jobs), a command older than the head never saw what it changes.
  const asked = await askedBeforeHead(deps.store, vcs, spec, repo, pr);
  const decision = await passGate(deps.store, {
    road,
    repo: repoFullName(repo),
    project: p.name,
    number: pr.number,
    actor: spec.actor,
    pause: await deps.store.appliesPaused(),
    // Who asked, as GitHub has them now: access taken away since the job started changes nothing.
    actorAllowed: who.allowed ? await authorizeCommand(vcs, deps, job, verb, "write") : who,
    ...(await changeControlFacts(deps, vcs, settings.identityOf(p), {
      actor: spec.actor,
      ...actorIdField(spec.actorId),
      actions: ["state"],
    })),
    recordedAs: settings.recordNameOf(p),
    changedByPr,
    ...(asked ? { askedBeforeHead: { command: `/${STATE_COMMANDS[spec.command.kind].name}`, headSha: pr.headSha, ...asked } } : {}),
    lock: lock.ok ? { road: "pr", held: true } : { road: "pr", held: false, heldByPr: lock.heldBy?.pr },
    requirements: requirementFacts({ requirements, approvalsNeeded: settings.approvals, facts, codeOwners }),
    agents: agentFacts({ agents: await agentsByAccount(jobPeople(deps, vcs), deps.config.agents) }, actorOf(spec), [authorOf(pr)]),
  });
  if (!decision.allowed) {
    const holder = !lock.ok && decision.rule === "lock" ? lock.heldBy?.pr : undefined;
    const link = holder !== undefined ? { text: `#${holder}`, url: siblingPrUrl(pr.htmlUrl, holder) } : undefined;
    return { project: p, status: "refused", reason: decision.reasons.join("; "), ...(link ? { link } : {}), output: "" };
  }
  const dataDir = join(dataPaths.projectPlans(deps.dataDir, repo, pr.number, p), `state-${job.id}`);
  const outcome = await tools.state(decision.pass, p, {
    checkoutDir: checkout.dir,
    dataDir,
    operation,
    onOutput: (chunk) => run.log.write(chunk),
    claims: (admitted) => ({
      repository: admitted.repo,
      pull_request: admitted.number,
      head_sha: pr.headSha,
      base_ref: pr.baseRef,
      actor: admitted.actor,
    }),
  });
  if (!outcome.ok && outcome.refused) return { project: p, status: "refused", reason: outcome.message, output: outcome.output };
  // Whatever happened, the state may have changed: plans made before it no longer describe it
  // (all plans of the dir + workspace unless the project has a backend of its own there).
  const scope = settings.lockScopeFor(p);
  await deps.store.supersedePlans(repoFullName(repo), pr.number, [
    { dir: p.dir, workspace: p.workspace, project: scope === "" ? undefined : scope },
  ]);
  if (!outcome.ok) return { project: p, status: "error", failedStep: outcome.failedStep, message: outcome.message, output: outcome.output };
  return { project: p, status: "applied", output: outcome.output };
}

/** Whether the pull request holds the project's lock already (taken by its plan, or kept). */
async function holdsLock(deps: JobContext["deps"], repo: string, pr: number, p: Project): Promise<boolean> {
  return (await deps.store.locksOf(repo, pr)).some((l) => l.dir === p.dir && l.workspace === p.workspace && l.project === p.name);
}
