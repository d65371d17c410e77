import type { ServerConfig } from "../config/server-config.js";
import { windowsState } from "../gate/apply-windows.js";
import type { AgentFacts, PlanRuleFacts } from "../gate/gate-facts.js";
import { planContent } from "../gate/plan-content.js";
import type { PlanRules } from "../model/plan-content.js";
import type { PlanSummary } from "../model/plan-summary.js";
import { isAgent } from "../policy/is-agent.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { memberOfTeams } from "./apply-teams.js";
import { type PeopleDeps, namesAccount } from "../policy/named-people.js";
import type { Actor } from "../model/person.js";

/** What the plan rules of one project decide on, for one plan on one road. */
export interface PlanRuleInput {
  repo: string;
  project: string;
  rules: PlanRules;
  /** The saved plan's stored summary; absent: the plan cannot be read, and rules that need it fail closed. */
  summary: Omit<PlanSummary, "sensitiveValues"> | undefined;
  runner: string;
  actor: string;
  /** The account id of `actor`: the owners a server setting names are matched by it. */
  actorId?: number;
  /** `/apply --override-protect -- reason`. */
  override?: { reason: string };
  /** The approvals the gate counts for this plan (PR roads): the destroy rule counts those from its teams. */
  approvers?: readonly string[];
  /** Why approvals of the head were left out of `approvers` (its pusher's), for the destroy rule's refusal. */
  notCounted?: string;
  agents: readonly string[];
  now?: Date;
}

/** The plan rules' facts (see PlanRuleFacts): team memberships are asked of GitHub only when a rule needs them. */
export async function planRuleFacts(vcs: Pick<VcsClient, "teamMember">, a: PlanRuleInput, people: PeopleDeps): Promise<PlanRuleFacts> {
  const content = a.summary ? planContent(a.summary, a.runner) : { unreadable: "the saved plan has no summary to read" };
  const facts: PlanRuleFacts = { content, rules: a.rules };
  if (a.override)
    facts.overrideProtect = {
      by: a.actor,
      reason: a.override.reason,
      owner: await isOwner(
        vcs,
        people,
        a.rules.owners,
        { login: a.actor, ...(a.actorId !== undefined ? { id: a.actorId } : {}) },
        a.agents,
      ),
    };
  const rule = a.rules.destroy;
  if (rule && !("unreadable" in content) && content.destroyPlan) {
    const approvers: string[] = [];
    for (const user of a.approvers ?? []) {
      if (rule.teams.length === 0 || (await memberOfTeams(vcs, rule.teams.map(bare), user)) !== undefined) approvers.push(user);
    }
    const window = rule.window ? windowsState([{ match: "**", ...rule.window }], [], a.now ?? new Date()) : ({ open: true } as const);
    facts.destroy = { approvers, window, ...(a.notCounted ? { notCounted: a.notCounted } : {}) };
  }
  return facts;
}

const bare = (principal: string) => principal.replace(/^@/, "");

/**
 * An owner: a named user (by account id: a login given up and taken by another is not them), or a
 * member of a named team; never an agent, whatever the list says.
 */
async function isOwner(
  vcs: Pick<VcsClient, "teamMember">,
  people: PeopleDeps,
  owners: readonly string[],
  actor: Actor,
  agents: readonly string[],
) {
  if (isAgent(actor, agents)) return false;
  if (await namesAccount(people, owners, actor)) return true;
  const teams = owners.filter((o) => o.includes("/")).map(bare);
  return teams.length > 0 && (await memberOfTeams(vcs, teams, actor.login)) !== undefined;
}

/**
 * The server's `agents` for one change: whether who asked is one, and the first agent among those
 * who proposed it (a pull request's author, the one whose push or comment made the plan).
 * Absent when the server names no agents. `config.agents` as agentsByAccount gives them: by account too.
 */
export function agentFacts(
  config: Pick<ServerConfig, "agents">,
  actor: string | Actor,
  proposers: readonly (string | Actor | undefined)[],
): AgentFacts | undefined {
  if (config.agents.length === 0) return undefined;
  const proposer = proposers.find((p): p is string | Actor => p !== undefined && isAgent(p, config.agents));
  const proposedBy = typeof proposer === "string" ? proposer : proposer?.login;
  return { actor: isAgent(actor, config.agents), ...(proposedBy ? { proposedBy } : {}) };
}
