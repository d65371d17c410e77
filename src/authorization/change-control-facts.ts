import { windowState } from "../gate/apply-windows.js";
import { describeIdentity, ruleCovers } from "../config/trusted-identity.js";
import type { TrustedIdentity } from "../model/trusted-identity.js";
import type { GateFacts } from "../gate/gate-facts.js";
import type { RepoRef } from "../model/repo.js";
import { ALLOWED, type Decision, refuse } from "../policy/decision.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { memberOfTeams } from "./apply-teams.js";
import { jobPeople, namesAccount, type PeopleDeps } from "../policy/named-people.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { Actor } from "../model/person.js";

export type ControlledAction = "plan" | "apply" | "unlock" | "state" | "destroy" | "approve_policies";

/**
 * The server's change control for one project now, found by its trusted identity: its permission
 * rules for the actions, its windows, an admin's override.
 */
export async function changeControlFacts(
  deps: Pick<JobDeps, "config" | "store" | "log">,
  vcs: VcsClient,
  project: TrustedIdentity,
  who: { actor: string; actorId?: number; actions: readonly ControlledAction[]; override?: { reason: string } },
  now: Date = new Date(),
): Promise<Pick<GateFacts, "permission" | "window" | "override" | "identity" | "recordedAs">> {
  const actor = { login: who.actor, ...(who.actorId !== undefined ? { id: who.actorId } : {}) };
  const permissions: Decision[] = [];
  for (const action of who.actions) permissions.push(await projectPermission(deps, vcs, project, action, actor));
  const refused = permissions.find((d) => !d.allowed);
  // Asked only of an override; by account id: a login an admin gave up and another took is not them.
  const isAdmin = who.override ? await namesAccount(jobPeople(deps, vcs), deps.config.admins, actor) : false;
  return {
    identity: describeIdentity(project),
    ...(project.kind === "known" ? { recordedAs: project.name } : {}),
    permission: refused ?? ALLOWED,
    window: windowState(deps.config.apply_windows, deps.config.freezes, project, now),
    override: who.override ? { by: who.actor, reason: who.override.reason, admin: isAdmin } : undefined,
  };
}

const VERB: Record<ControlledAction, string> = {
  plan: "plan",
  apply: "apply",
  unlock: "unlock",
  state: "change the state of",
  destroy: "destroy",
  approve_policies: "approve the failed policy checks of",
};

/**
 * The first `permissions` rule covering the project's trusted identity that names the action
 * decides; none: write access suffices. Its users are matched by account id (a login its owner
 * gave up and another account took is not them), its teams by GitHub's membership now.
 */
export async function projectPermission(
  deps: Pick<JobDeps, "config"> & Pick<PeopleDeps, "store" | "log">,
  vcs: Pick<VcsClient, "teamMember" | "userId">,
  project: TrustedIdentity,
  action: ControlledAction,
  actor: Actor,
): Promise<Decision> {
  const rule = deps.config.permissions.find((r) => ruleCovers(r.match, project, "restrict") && r[action] !== undefined);
  const allowed = rule?.[action];
  if (!rule || !allowed) return ALLOWED;
  // A console principal (`sso:corp:carol`, `token:…`) is matched by name: no GitHub login has a
  // colon, so none can be registered to take it. GitHub users by account id.
  const principals = allowed.filter((p) => p.includes(":")).map((p) => p.toLowerCase());
  if (principals.includes(actor.login.toLowerCase())) return ALLOWED;
  const users = allowed.filter((p) => !p.includes("/") && !p.includes(":"));
  if (await namesAccount(jobPeople(deps, vcs), users, actor)) return ALLOWED;
  const teams = allowed.filter((p) => p.includes("/")).map((t) => t.replace(/^@/, ""));
  if (teams.length > 0 && (await memberOfTeams(vcs, teams, actor.login)) !== undefined) return ALLOWED;
  // An empty list names no one: the rule lets no one do the action.
  if (allowed.length === 0)
    return refuse(
      `the server's permissions rule \`${rule.match}\` lets no one ${VERB[action]} this project, @\u200b${actor.login} included`,
    );
  return refuse(
    `the server's permissions rule \`${rule.match}\` lets only ${allowed.map((p) => `\`${p}\``).join(", ")} ${VERB[action]} this project, and @\u200b${actor.login} is not one of them${unknownAccount(users, actor)}`,
  );
}

/** Why a named login may not have matched: the users are matched by account id, and this one's is not known here. */
const unknownAccount = (users: readonly string[], actor: Actor) =>
  users.length > 0 && actor.id === undefined && !actor.login.includes(":")
    ? ` (its users are matched by GitHub account id, and Sluice does not know @\u200b${actor.login}'s here: a job queued by an older version, or someone known by login only; comment the command again)`
    : "";

/** Whether a `permissions` rule names who may plan the project: else anyone may, and who they are need not be found. */
export function asksWhoPlans(deps: Pick<JobDeps, "config">, project: TrustedIdentity): boolean {
  return deps.config.permissions.some((r) => r.plan !== undefined && ruleCovers(r.match, project, "restrict"));
}

/**
 * Whether everyone whose code or request a plan is (a PR's author, who pushed or queued it) may
 * plan the project: the first refusal, else allowed. Each account is asked once.
 */
export async function everyoneMayPlan(
  deps: Pick<JobDeps, "config"> & Pick<PeopleDeps, "store" | "log">,
  vcs: Pick<VcsClient, "teamMember" | "userId">,
  project: TrustedIdentity,
  planners: readonly Actor[],
): Promise<Decision> {
  if (!asksWhoPlans(deps, project)) return ALLOWED;
  const asked = new Set<string>();
  for (const planner of planners) {
    const key = `${planner.login.toLowerCase()}#${planner.id ?? ""}`;
    if (!planner.login || asked.has(key)) continue;
    asked.add(key);
    const may = await projectPermission(deps, vcs, project, "plan", planner);
    if (!may.allowed) return may;
  }
  return ALLOWED;
}

/** Pull mode's `verified_commits`: the default branch head being applied must be verified by GitHub. */
export async function verifiedHeadFact(
  vcs: Pick<VcsClient, "commitVerified">,
  repo: RepoRef,
  sha: string,
  requirements: readonly string[],
): Promise<Decision | undefined> {
  if (!requirements.includes("verified_commits")) return undefined;
  if (await vcs.commitVerified(repo, sha)) return ALLOWED;
  return refuse(`the default branch head ${sha.slice(0, 7)} is not verified by GitHub, and the project requires \`verified_commits\``);
}
