import type { PolicyApproval, PolicyCheck } from "../model/policy-check.js";

/** A policy set as the server config defines it, with Atlantis' defaults applied. */
export interface PolicySetRule {
  name: string;
  /** Top-level owners plus the set's own: who may approve this set. */
  owners: { users: string[]; teams: string[] };
  approveCount: number;
  preventSelfApprove: boolean;
}

/** One set standing between a plan and its apply. */
export interface BlockingSet {
  name: string;
  /** failed: approvals can lift it; error / unchecked: only a new plan can (fails closed). */
  reason: "failed" | "error" | "unchecked";
  message?: string;
  approvals: number;
  needed: number;
  owners: { users: string[]; teams: string[] };
}

/** The `policies` fact of the apply gates: passed (or approved), or what still blocks. */
export type PolicyFact = { passed: true } | { passed: false; blocking: BlockingSet[] };

export const POLICIES_PASSED: PolicyFact = { passed: true };

/** `policies` from the server config as rules; none when policy checks are off. */
export function policyRules(
  policies:
    | {
        owners: { users: string[]; teams: string[] };
        approve_count: number;
        policy_sets: {
          name: string;
          owners?: { users: string[]; teams: string[] };
          approve_count?: number;
          prevent_self_approve: boolean;
        }[];
      }
    | undefined,
): PolicySetRule[] {
  if (!policies) return [];
  return policies.policy_sets.map((s) => ({
    name: s.name,
    owners: {
      users: [...new Set([...policies.owners.users, ...(s.owners?.users ?? [])])],
      teams: [...new Set([...policies.owners.teams, ...(s.owners?.teams ?? [])])],
    },
    approveCount: s.approve_count ?? policies.approve_count,
    preventSelfApprove: s.prevent_self_approve,
  }));
}

/**
 * Pure: whether a plan's policy outcome, with the approvals given for that plan, lets it apply.
 * Every configured set must have passed or be approved by enough distinct owners; a set with no
 * outcome (the plan was made before the set existed, or the outcome was lost) or one that could
 * not be evaluated blocks: policy checks fail closed.
 */
export function policyStatus(rules: PolicySetRule[], check: PolicyCheck | undefined, approvals: PolicyApproval[]): PolicyFact {
  if (rules.length === 0) return POLICIES_PASSED;
  const blocking: BlockingSet[] = [];
  for (const rule of rules) {
    const outcome = check?.sets.find((s) => s.name === rule.name);
    const approvers = distinctApprovers(approvals.filter((a) => a.policySet === rule.name));
    const base = { name: rule.name, approvals: approvers.size, needed: rule.approveCount, owners: rule.owners };
    if (!outcome) {
      blocking.push({ ...base, reason: "unchecked", message: "this plan was not checked against it" });
    } else if (outcome.status === "error") {
      blocking.push({ ...base, reason: "error", message: outcome.message });
    } else if (outcome.status === "failed" && approvers.size < rule.approveCount) {
      blocking.push({ ...base, reason: "failed" });
    }
  }
  return blocking.length ? { passed: false, blocking } : POLICIES_PASSED;
}

/**
 * Distinct accounts: an owner who approved, renamed and approved again is one owner. An approval an
 * older version kept has no id: it is the same owner as an approval with one under its login (given
 * again since, to another identical plan), else one by its login.
 */
function distinctApprovers(approvals: readonly PolicyApproval[]): Set<string> {
  const withId = new Set(approvals.flatMap((a) => (a.userId !== undefined ? [a.user.toLowerCase()] : [])));
  return new Set(
    approvals.flatMap((a) => {
      if (a.userId !== undefined) return [`#${a.userId}`];
      return withId.has(a.user.toLowerCase()) ? [] : [a.user.toLowerCase()];
    }),
  );
}

/** Who may approve, for a message: `@alice`, `team acme/sec`. */
export function describeOwners(owners: { users: string[]; teams: string[] }): string {
  const all = [...owners.users.map((u) => `@${u}`), ...owners.teams.map((t) => `team ${t}`)];
  return all.length ? all.join(", ") : "nobody (no owners are configured)";
}

/** The refusal for a plan whose policies block its apply: every set, and what lifts it. */
export function describeBlocking(blocking: BlockingSet[]): string {
  const parts = blocking.map((b) => {
    if (b.reason === "failed") {
      const missing = b.needed - b.approvals;
      return `policy set \`${b.name}\` failed and needs ${missing} more policy approval${missing === 1 ? "" : "s"} (${b.approvals}/${b.needed}) from ${describeOwners(b.owners)}: comment \`/approve_policies\``;
    }
    const why = b.reason === "error" ? `could not be evaluated (${b.message})` : "has no result for this plan";
    return `policy set \`${b.name}\` ${why}; this fails closed: fix it and comment \`/plan\``;
  });
  return `policy checks block this apply: ${parts.join("; ")}`;
}

/**
 * Pure: whether someone owns the set, as a listed user (`named`: the sets whose users name their
 * account, setsNaming) or a member of a listed team (`memberOf`, lowercase).
 */
export function isOwnerOf(rule: PolicySetRule, named: ReadonlySet<string>, memberOf: ReadonlySet<string>): boolean {
  return named.has(rule.name) || rule.owners.teams.some((t) => memberOf.has(t.toLowerCase()));
}

/**
 * Pure: the failing sets of a plan someone may approve now, given the sets whose users name their
 * account (`named`) and the teams they belong to (`memberOf` answers for the teams named by the
 * rules). Sets that passed or errored are left out; `selfApproval` says the PR author is asking.
 */
export function approvableSets(
  rules: PolicySetRule[],
  check: PolicyCheck | undefined,
  named: ReadonlySet<string>,
  memberOf: ReadonlySet<string>,
  selfApproval: boolean,
): { approvable: string[]; notOwner: string[]; selfBlocked: string[] } {
  const result = { approvable: [] as string[], notOwner: [] as string[], selfBlocked: [] as string[] };
  for (const rule of rules) {
    const outcome = check?.sets.find((s) => s.name === rule.name);
    if (outcome?.status !== "failed") continue;
    if (!isOwnerOf(rule, named, memberOf)) result.notOwner.push(rule.name);
    else if (selfApproval && rule.preventSelfApprove) result.selfBlocked.push(rule.name);
    else result.approvable.push(rule.name);
  }
  return result;
}
