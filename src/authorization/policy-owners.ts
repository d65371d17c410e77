import type { PolicyApproval } from "../model/policy-check.js";
import { isOwnerOf, type PolicySetRule } from "../policy/policy-status.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { Actor } from "../model/person.js";
import { namesAccount, type PeopleDeps } from "../policy/named-people.js";

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
 * The sets whose owners' users name this account: by account id (namesAccount), so a login an
 * owner gave up and another account registered owns nothing, and the owner renamed still does.
 */
export async function setsNaming(people: PeopleDeps, rules: readonly PolicySetRule[], actor: Actor): Promise<Set<string>> {
  const owned = new Set<string>();
  for (const rule of rules) if (await namesAccount(people, rule.owners.users, actor)) owned.add(rule.name);
  return owned;
}

/**
 * The approvals whose giver owns the set they approved now, as the rules say now: an owner taken
 * out of `policies` (or out of an owning team) after approving no longer counts. A listed user is
 * matched by the giver's account id (an approval an older version recorded has none: only a team
 * counts it). Teams are asked only of givers no listed user entry covers.
 */
export async function byOwnersNow(
  people: PeopleDeps,
  vcs: Pick<VcsClient, "teamMember">,
  repoOwner: string,
  rules: PolicySetRule[],
  approvals: PolicyApproval[],
): Promise<PolicyApproval[]> {
  const none = new Set<string>();
  const teams = new Map<string, Set<string>>();
  const named = new Map<string, Set<string>>();
  const counting: PolicyApproval[] = [];
  for (const a of approvals) {
    const rule = rules.find((r) => r.name === a.policySet);
    if (!rule) continue;
    const giver = { login: a.user, ...(a.userId !== undefined ? { id: a.userId } : {}) };
    const key = `${a.user.toLowerCase()}#${a.userId ?? ""}`;
    const owned = named.get(key) ?? (await setsNaming(people, rules, giver));
    named.set(key, owned);
    if (isOwnerOf(rule, owned, none)) {
      counting.push(a);
      continue;
    }
    if (rule.owners.teams.length === 0) continue;
    const who = a.user.toLowerCase();
    const memberOf = teams.get(who) ?? (await teamsOf(vcs, rules, repoOwner, a.user));
    teams.set(who, memberOf);
    if (isOwnerOf(rule, owned, memberOf)) counting.push(a);
  }
  return counting;
}
