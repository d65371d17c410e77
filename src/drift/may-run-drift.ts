import type { JobDeps } from "../job-context/job-deps.js";
import { jobPeople, namesAccount } from "../policy/named-people.js";
import type { Actor } from "../model/person.js";
import type { Permission } from "../model/pull-request.js";
import type { RepoRef } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { ALLOWED, type Decision, refuse } from "../policy/decision.js";

/**
 * `/drift` and `/apply` on a drift issue: write access (or the server's `apply_users`). `grant`:
 * the permission the console gave someone signed in without GitHub (GitHub knows nothing of them).
 */
export async function mayRunDrift(
  deps: Pick<JobDeps, "config" | "store" | "log">,
  vcs: VcsClient,
  repo: RepoRef,
  who: Actor,
  grant?: Permission,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const actor = who.login;
  if (await namesAccount(jobPeople(deps, vcs), deps.config.apply_users, who)) return { ok: true };
  const permission = grant ?? (await vcs.permissionOf(repo, actor));
  if (permission === "admin" || permission === "maintain" || permission === "write") return { ok: true };
  return { ok: false, reason: `@\u200b${actor} needs write access to this repository (has ${permission})` };
}

/**
 * mayRunDrift as the gate's actor rule, asked again right before a drift road applies (inside the
 * project's run lock): a writer whose access was taken away since the job started applies nothing.
 */
export async function mayApplyDriftNow(
  deps: Pick<JobDeps, "config" | "store" | "log">,
  vcs: VcsClient,
  repo: RepoRef,
  who: Actor,
): Promise<Decision> {
  const may = await mayRunDrift(deps, vcs, repo, who);
  return may.ok ? ALLOWED : refuse(may.reason);
}
