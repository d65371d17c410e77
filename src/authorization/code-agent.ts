import type { ServerConfig } from "../config/server-config.js";
import type { AgentFacts } from "../gate/gate-facts.js";
import type { HeadPushStore } from "../model/head-push.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import { agentFacts } from "./plan-rule-facts.js";

/**
 * The server's `agents` for a plan of a pull request's head: whether who asks is one, and the first
 * agent among those whose code the head is: the given proposers (the author, who planned it),
 * the head's pushers Sluice heard, and, where none of these is an agent, those `codeUsers` finds
 * (headCodeUsers: GitHub's branch activity, else the commit's author and committer, for a push
 * Sluice did not hear: an agent's lost push planned by a person is the agent's code all the
 * same). GitHub is read only where the server names agents and nothing heard names one.
 */
export async function codeAgentFacts(
  config: Pick<ServerConfig, "agents">,
  store: Pick<HeadPushStore, "headPushers">,
  at: { repo: RepoRef; pr: Pick<PullRequestInfo, "number" | "headSha">; actor: string },
  proposers: readonly (string | undefined)[],
  codeUsers: () => Promise<readonly string[]>,
): Promise<AgentFacts | undefined> {
  if (config.agents.length === 0) return undefined;
  const heard = await store.headPushers(repoFullName(at.repo), at.pr.number, at.pr.headSha);
  const known = agentFacts(config, at.actor, [...proposers, ...heard]);
  if (known?.proposedBy) return known;
  return agentFacts(config, at.actor, [...proposers, ...heard, ...(await codeUsers())]);
}
