import type { ServerConfig } from "../config/server-config.js";
import type { AgentFacts } from "../gate/gate-facts.js";
import type { HeadPushStore } from "../model/head-push.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import { agentFacts } from "./plan-rule-facts.js";
import type { Actor } from "../model/person.js";
import { agentsByAccount, type PeopleDeps } from "../policy/named-people.js";

/**
 * The server's `agents` for a plan of a pull request's head: whether who asks is one, and the first
 * agent among those whose code the head is: the given proposers (the author, who planned it),
 * the head's pushers Sluice heard, and, where none of these is an agent, those `codeUsers` finds
 * (headCodeUsers: GitHub's branch activity, else the commit's author and committer, for a push
 * Sluice did not hear: an agent's lost push planned by a person is the agent's code all the
 * same). GitHub is read only where the server names agents and nothing heard names one. By
 * account where ids are known (isAgent): an agent that renamed is still one.
 */
export async function codeAgentFacts(
  deps: { config: Pick<ServerConfig, "agents">; store: Pick<HeadPushStore, "headPusherAccounts">; people: PeopleDeps },
  at: { repo: RepoRef; pr: Pick<PullRequestInfo, "number" | "headSha">; actor: string | Actor },
  proposers: readonly (string | Actor | undefined)[],
  codeUsers: () => Promise<readonly Actor[]>,
): Promise<AgentFacts | undefined> {
  if (deps.config.agents.length === 0) return undefined;
  const config = { agents: await agentsByAccount(deps.people, deps.config.agents) };
  const heard = await deps.store.headPusherAccounts(repoFullName(at.repo), at.pr.number, at.pr.headSha);
  const known = agentFacts(config, at.actor, [...proposers, ...heard]);
  if (known?.proposedBy) return known;
  return agentFacts(config, at.actor, [...proposers, ...heard, ...(await codeUsers())]);
}
