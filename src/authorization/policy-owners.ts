import type { PolicyApproval } from "../model/policy-check.js";
import { isOwnerOf, type PolicySetRule } from "../policy/policy-status.js";
import type { VcsClient } from "../vcs/vcs-client.js";

/** The teams named by the rules that `user` belongs to (`org/slug`, lowercase); a bare slug is in the repo owner's org. */
export async function teamsOf(
  vcs: Pick<VcsClient, "teamMember">,
  rules: PolicySetRule[],
  owner: string,
  user: string,
): Promise<Set<string>> {
  const named = new Set(rules.flatMap((r) => r.owners.teams));
  const member = new Set<string>();
  for (const team of named) {
    const [org, slug] = team.includes("/") ? (team.split("/", 2) as [string, string]) : [owner, team];
    if (await vcs.teamMember(org, slug, user)) member.add(team.toLowerCase());
  }
  return member;
}

/**
 * The approvals whose giver owns the set they approved now, as the rules say now: an owner taken
 * out of `policies` (or out of an owning team) after approving no longer counts. Teams are asked
 * only of givers no listed user entry covers.
 */
export async function byOwnersNow(
  vcs: Pick<VcsClient, "teamMember">,
  repoOwner: string,
  rules: PolicySetRule[],
  approvals: PolicyApproval[],
): Promise<PolicyApproval[]> {
  const none = new Set<string>();
  const teams = new Map<string, Set<string>>();
  const counting: PolicyApproval[] = [];
  for (const a of approvals) {
    const rule = rules.find((r) => r.name === a.policySet);
    if (!rule) continue;
    if (isOwnerOf(rule, a.user, none)) {
      counting.push(a);
      continue;
    }
    if (rule.owners.teams.length === 0) continue;
    const who = a.user.toLowerCase();
    const memberOf = teams.get(who) ?? (await teamsOf(vcs, rules, repoOwner, a.user));
    teams.set(who, memberOf);
    if (isOwnerOf(rule, a.user, memberOf)) counting.push(a);
  }
  return counting;
}
