import { ALLOWED, type Decision, refuse } from "../policy/decision.js";
import type { AgentFacts, GateFacts, PlanRuleFacts } from "./gate-facts.js";
import { autoApproval, protectedAddress, protectedChanges } from "./plan-rules.js";
import { listSome } from "../util/list-some.js";

const list = (items: readonly string[]) => items.map((i) => `\`${i}\``).join(", ");

/** An agent may plan, never apply, approve or override (server `agents`). */
export function checkAgent(agents: AgentFacts | undefined, actor: string): Decision {
  if (!agents?.actor) return ALLOWED;
  return refuse(
    `@\u200b${actor} is an agent (server setting \`agents\`): an agent may open pull requests and plan, never apply, approve or override; a person with write access applies`,
  );
}

/** A plan that destroys or replaces a protected address is refused unless an owner overrode it. */
export function checkProtect(p: PlanRuleFacts | undefined): Decision {
  if (!p) return refuse("the plan's content could not be gathered for the trusted plan rules (`protect`)");
  if (p.rules.protect.length === 0) return ALLOWED;
  if ("unreadable" in p.content)
    return refuse(
      `the project protects ${list(p.rules.protect.map((r) => r.pattern))}, and this plan could not be read (${p.content.unreadable})`,
    );
  const hits = protectedChanges(p.content, p.rules.protect);
  if (hits.length === 0 || p.overrideProtect?.owner) return ALLOWED;
  const shown = listSome(hits, 5, (h) => `${h.action} ${protectedAddress(h)} (protect: \`${h.pattern}\`)`);
  const owners = p.rules.owners.length
    ? `one of ${list(p.rules.owners)}`
    : "an owner, and this server names none (server settings `admins`, `protect_owners`)";
  const denied = p.overrideProtect ? `; @\u200b${p.overrideProtect.by} is not an owner` : "";
  return refuse(
    `protected: the plan ${shown}; it needs an owner's override, \`/apply --override-protect -- REASON\` by ${owners}${denied}`,
  );
}

/** A `-destroy` plan under a trusted `destroy:` rule: its approvals from its teams, inside its window. */
export function checkDestroyRule(p: PlanRuleFacts | undefined): Decision {
  const rule = p?.rules.destroy;
  if (!p || !rule) return ALLOWED;
  if ("unreadable" in p.content)
    return refuse(`the project has a \`destroy\` rule and this plan could not be read (${p.content.unreadable})`);
  if (!p.content.destroyPlan) return ALLOWED;
  if (!p.destroy) return refuse("the approvals and window of the project's `destroy` rule could not be read");
  const reasons: string[] = [];
  const w = p.destroy.window;
  if (!w.open) reasons.push(`outside the destroy window: ${w.why}${w.opensAt ? `; a destroy may next be applied from ${w.opensAt}` : ""}`);
  const missing = rule.approvals - p.destroy.approvers.length;
  if (missing > 0) {
    const from = rule.teams.length ? `members of ${list(rule.teams)}` : "users with write access";
    const have = p.destroy.approvers.length ? ` (counted: ${p.destroy.approvers.map((a) => `@\u200b${a}`).join(", ")})` : "";
    const notCounted = p.destroy.notCounted ? `; ${p.destroy.notCounted}` : "";
    reasons.push(
      `a destroy plan of this project needs ${rule.approvals} approval${rule.approvals === 1 ? "" : "s"} of the current commit from ${from}, given after the plan${have}; ${missing} more needed (\`destroy\` rule from ${rule.source})${notCounted}`,
    );
  }
  return reasons.length ? refuse(...reasons) : ALLOWED;
}

/**
 * How the approval requirement is judged for this plan: an agent's proposal needs a human's
 * approval whatever `auto_approve` says; otherwise a met `auto_approve` counts as the approvals.
 */
export function approvalMode(
  facts: Pick<GateFacts, "planRules" | "agents">,
): { kind: "agent"; agent: string } | { kind: "auto"; why: string; source: string } | { kind: "reviews"; note?: string } {
  if (facts.agents?.proposedBy) return { kind: "agent", agent: facts.agents.proposedBy };
  const p = facts.planRules;
  const auto = p ? autoApproval(p.content, p.rules.autoApprove, p.rules.protect) : undefined;
  if (auto?.met && p?.rules.autoApprove) return { kind: "auto", why: auto.why, source: p.rules.autoApprove.source };
  return { kind: "reviews", ...(auto ? { note: auto.why } : {}) };
}
