import type { Permission } from "../model/pull-request.js";
import type { Job } from "../model/job.js";
import { checkCommandPermission } from "../policy/check-command-permission.js";
import type { Decision } from "../policy/decision.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { memberOfTeams } from "./apply-teams.js";
import type { JobDeps } from "./job-deps.js";

/**
 * Asks GitHub who the commenter is to this repo before anything is cloned, planned or locked: a
 * command from a user without the permission runs nothing and takes nothing.
 */
export async function authorizeCommand(
  vcs: VcsClient,
  deps: Pick<JobDeps, "config">,
  job: Job,
  verb: string,
  needed: Permission,
): Promise<Decision> {
  const actor = job.spec.actor;
  const permission = await vcs.permissionOf(job.target.repo, actor);
  const named = deps.config.apply_users.some((u) => u.toLowerCase() === actor.toLowerCase());
  const enough = checkCommandPermission(verb, { user: actor, permission, allowedByServer: named, needed });
  // Teams are asked about only when the repo permission is not enough: no extra calls for most users.
  if (enough.allowed || deps.config.apply_teams.length === 0) return enough;
  const team = await memberOfTeams(vcs, deps.config.apply_teams, actor);
  return checkCommandPermission(verb, { user: actor, permission, allowedByServer: team !== undefined, needed });
}
