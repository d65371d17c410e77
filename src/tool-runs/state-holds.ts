import type { Project } from "../model/project.js";
import type { StateHold } from "../model/state-hold.js";
import { inlineCode } from "../render/inline.js";
import type { ProjectRunnerContext } from "./project-runner.js";

const repoOf = (ctx: Pick<ProjectRunnerContext, "job">) => `${ctx.job.target.repo.owner}/${ctx.job.target.repo.name}`;

/**
 * Where a hold is kept: the dir and workspace whose state the run wrote. That is the trusted
 * identity's (found by dir and workspace, so never by a name the PR chose), except for a preview,
 * whose settings answer with its base project's identity (production's dir and workspace) for
 * rules and credentials: its state is its own workspace's, and must never hold production, nor be
 * pushed there by `/state push-errored`.
 */
function heldAt(project: Project): { dir: string; workspace: string } {
  return { dir: project.dir, workspace: project.workspace };
}

/** The hold on a project's workspace (heldAt), never found by a name the PR chose. */
export async function holdOn(
  ctx: Pick<ProjectRunnerContext, "deps" | "job" | "settings">,
  project: Project,
): Promise<StateHold | undefined> {
  const { dir, workspace } = heldAt(project);
  return ctx.deps.store.openStateHold(repoOf(ctx), dir, workspace);
}

export function holdReason(hold: StateHold, project: Project): string {
  const from = hold.pr > 0 ? `#${hold.pr}'s run` : "a run";
  return `${inlineCode(project.name)} is held: ${from} left a state terraform could not save (kept by Sluice since ${hold.createdAt.slice(0, 16).replace("T", " ")} UTC). Nothing plans, applies or checks drift on it until that state is in the backend: comment \`/state push-errored -p ${project.name}\` once the backend takes writes again.`;
}

/**
 * A state terraform could not save, kept in the store before its worktree goes (never posted),
 * with the project held and an audit event; the reply says how to finish.
 */
export async function keepState(ctx: ProjectRunnerContext, project: Project, bytes: Buffer, message: string): Promise<string> {
  const { deps, job } = ctx;
  const { dir, workspace } = heldAt(project);
  const hold = await deps.store.holdState({
    repo: repoOf(ctx),
    dir,
    workspace,
    project: project.name,
    pr: job.target.pr,
    jobId: job.id,
    message: message.slice(0, 2000),
    state: bytes,
  });
  await deps.store.recordAudit({
    actor: "sluice",
    action: "state-kept",
    repo: repoOf(ctx),
    project: project.name,
    pr: job.target.pr,
    detail: `terraform could not save the state; kept as hold ${hold.id}, the project is held`,
  });
  return `${message}. Terraform could not save the state it made (errored.tfstate): Sluice kept it, and holds ${inlineCode(project.name)} so that nothing plans, applies or checks drift on it over a state the backend does not have. Once the backend takes writes again, comment \`/state push-errored -p ${project.name}\`: it pushes the kept state (with apply's rules) and releases the hold. Nothing retries by itself.`;
}

/** After a push: the hold is released and audited. */
export async function releaseHold(ctx: ProjectRunnerContext, project: Project, hold: StateHold, actor: string): Promise<void> {
  if (!(await ctx.deps.store.releaseStateHold(hold.id, actor))) return;
  await ctx.deps.store.recordAudit({
    actor,
    action: "state-pushed",
    repo: repoOf(ctx),
    project: project.name,
    pr: ctx.job.target.pr,
    detail: `the kept state of hold ${hold.id} was pushed to the backend; the project is no longer held`,
  });
}
