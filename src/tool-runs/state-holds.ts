import type { RepoSettings } from "../config/repo-settings.js";
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

/**
 * Whether the hold keeps `project`'s own state. A hold is on the dir and workspace, so it holds
 * every project there; but where the trusted config shares that dir between named projects, each
 * with its backend (its lock scope), the kept state is the one of the project whose run made it,
 * and pushing it as another would write it into that other project's backend.
 */
export function holdIsFor(settings: Pick<RepoSettings, "lockScopeFor">, hold: StateHold, project: Project): boolean {
  return settings.lockScopeFor(project) === settings.lockScopeFor({ ...project, name: hold.project });
}

/** The project whose `/state push-errored` pushes the kept state: the hold's own on a shared dir. */
const pushedAs = (settings: Pick<RepoSettings, "lockScopeFor">, hold: StateHold, project: Project) =>
  holdIsFor(settings, hold, project) ? project.name : hold.project;

export function holdReason(hold: StateHold, project: Project, settings: Pick<RepoSettings, "lockScopeFor">): string {
  const from = hold.pr > 0 ? `#${hold.pr}'s run` : "a run";
  const of = holdIsFor(settings, hold, project) ? "" : ` of ${inlineCode(hold.project)}`;
  return `${inlineCode(project.name)} is held: ${from}${of} left a state terraform could not save (kept by Sluice since ${hold.createdAt.slice(0, 16).replace("T", " ")} UTC). Nothing plans, applies or checks drift on it until that state is in the backend: comment \`/state push-errored -p ${pushedAs(settings, hold, project)}\` on an open pull request once the backend takes writes again.`;
}

/**
 * A hold on the backend a plan set up, kept under another dir (the project copied or moved there):
 * the same state, held the same. Undefined when there is none, or it is the project's own dir's
 * (holdOn found that one already).
 */
export async function holdOnBackend(
  ctx: Pick<ProjectRunnerContext, "deps" | "job">,
  project: Project,
  backend: string | undefined,
): Promise<StateHold | undefined> {
  if (backend === undefined) return undefined;
  const hold = await ctx.deps.store.openStateHoldOnBackend(repoOf(ctx), backend, project.workspace);
  return hold && hold.dir !== project.dir ? hold : undefined;
}

export function heldBackendReason(hold: StateHold, project: Project): string {
  return `${inlineCode(project.name)} is held: its backend is the one of ${inlineCode(hold.project)} (\`${hold.dir}\`, workspace \`${hold.workspace}\`), where a run left a state terraform could not save (kept by Sluice since ${hold.createdAt.slice(0, 16).replace("T", " ")} UTC). Nothing plans or applies over that backend until the state is in it: comment \`/state push-errored -p ${hold.project}\` on an open pull request once the backend takes writes again.`;
}

/** Why `project` may not push the hold's state: it is another named project's on the same dir. */
export function pushRefusal(hold: StateHold, project: Project, settings: Pick<RepoSettings, "lockScopeFor">): string | undefined {
  if (holdIsFor(settings, hold, project)) return undefined;
  return `the state Sluice keeps on this dir is ${inlineCode(hold.project)}'s, whose backend is not ${inlineCode(project.name)}'s: pushing it here would put it in the wrong backend. Comment \`/state push-errored -p ${hold.project}\` instead.`;
}

/**
 * A state terraform could not save, kept in the store before its worktree goes (never posted),
 * with the project held and an audit event; the reply says how to finish.
 */
export async function keepState(
  ctx: ProjectRunnerContext,
  project: Project,
  bytes: Buffer,
  message: string,
  /** The digest of the backend that refused it: the push goes into that one only. */
  backend?: string,
): Promise<string> {
  const { deps, job } = ctx;
  const { dir, workspace } = heldAt(project);
  const hold = await deps.store.holdState({
    repo: repoOf(ctx),
    dir,
    workspace,
    project: project.name,
    pr: job.target.pr,
    jobId: job.id,
    // Shown on the console's overview to every reader of the repository: as redacted as a comment.
    message: ctx.secrets.redact(message).slice(0, 2000),
    state: bytes,
    ...(backend ? { backend } : {}),
  });
  await deps.store.recordAudit({
    actor: "sluice",
    action: "state-kept",
    repo: repoOf(ctx),
    project: project.name,
    pr: job.target.pr,
    detail: `terraform could not save the state; kept as hold ${hold.id}, the project is held`,
  });
  return `${message}. Terraform could not save the state it made (errored.tfstate): Sluice kept it, and holds ${inlineCode(project.name)} so that nothing plans, applies or checks drift on it over a state the backend does not have. Once the backend takes writes again, comment \`/state push-errored -p ${project.name}\` on an open pull request (\`/unlock\` first a closed one that keeps the project's lock): it pushes the kept state (with apply's rules) and releases the hold. Nothing retries by itself.`;
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
