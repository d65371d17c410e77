import type { PolicyFact, PolicySetRule } from "../policy/policy-status.js";
import { describeOwners } from "../policy/policy-status.js";
import { inlineCode } from "./inline.js";

/**
 * What `/approve_policies` did to one plan, for its reply: the sets approved, those `actor` may
 * not approve and why, and what still blocks the plan's apply.
 */
export function describePolicyApproval(
  rules: PolicySetRule[],
  actor: string,
  sets: { approvable: string[]; notOwner: string[]; selfBlocked: string[] },
  status: PolicyFact,
  /** Whether the asker's account id is known: listed owners are matched by it. */
  accountKnown = true,
): string[] {
  const unknown = accountKnown
    ? ""
    : `; owners are matched by GitHub account id, and this job does not carry @${actor}'s (queued by an older version): comment \`/approve_policies\` again`;
  const parts: string[] = [];
  if (sets.approvable.length) parts.push(`approved ${sets.approvable.map(inlineCode).join(", ")}`);
  for (const name of sets.notOwner) {
    const rule = rules.find((r) => r.name === name);
    parts.push(
      `not approved ${inlineCode(name)}: @${actor} is not one of its owners (${describeOwners(rule?.owners ?? { users: [], teams: [] })})${unknown}`,
    );
  }
  for (const name of sets.selfBlocked)
    parts.push(
      `not approved ${inlineCode(name)}: its owners may not approve their own pull request, nor a head they pushed (\`prevent_self_approve\`)`,
    );
  if (status.passed) return [...parts, "policies pass now: `/apply` may proceed"];
  for (const b of status.blocking) {
    if (b.reason === "failed") parts.push(`${inlineCode(b.name)} has ${b.approvals}/${b.needed} policy approvals`);
    else
      parts.push(
        `${inlineCode(b.name)} ${b.reason === "error" ? `could not be evaluated (${b.message})` : "has no result for this plan"}: approvals cannot lift that; fix it and comment \`/plan\``,
      );
  }
  return parts;
}
