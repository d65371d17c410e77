import type { Permission } from "../model/pull-request.js";
import type { Job } from "../model/job.js";
import { checkCommandPermission } from "../policy/check-command-permission.js";
import type { Decision } from "../policy/decision.js";
import type { VcsClient } from "../vcs/vcs-client.js";
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
  return checkCommandPermission(verb, {
    user: actor,
    permission: await vcs.permissionOf(job.target.repo, actor),
    allowedByServer: deps.config.apply_users.some((u) => u.toLowerCase() === actor.toLowerCase()),
    needed,
  });
}
