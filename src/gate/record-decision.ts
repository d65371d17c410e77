import { countApprovals } from "../policy/count-approvals.js";
import type { ConsoleStore } from "../store/console-store.js";
import type { GateDecision } from "./decide.js";
import type { GateFacts } from "./gate-facts.js";

/**
 * Every decision, allowed or refused, is an audit event: who asked, on which road, for which
 * project, and the reasons of a refusal. Returns the decision for chaining.
 */
export async function recordDecision(
  store: Pick<ConsoleStore, "recordAudit">,
  facts: Pick<GateFacts, "road" | "repo" | "project" | "number" | "actor"> &
    Partial<Pick<GateFacts, "window" | "override" | "requirements">>,
  decision: GateDecision,
): Promise<GateDecision> {
  // An admin's override of a closed window is what an auditor asks about first: it is in the record.
  const overridden =
    decision.allowed && facts.window && !facts.window.open && facts.override?.admin
      ? `; window overridden by @${facts.override.by} (${facts.window.why}): ${facts.override.reason}`
      : "";
  // Who approved what was applied: the approvals the gate counted, for an auditor reading the stream.
  const r = facts.requirements;
  const approvers = decision.allowed && r ? countApprovals(r.facts.reviews, r.facts, r.approvalsFrom).approvers : [];
  const approved = approvers.length ? `; approvers: ${approvers.join(", ")}` : "";
  await store.recordAudit({
    actor: facts.actor,
    action: decision.allowed ? "gate-allowed" : "gate-refused",
    repo: facts.repo,
    project: facts.project,
    pr: facts.number,
    detail: decision.allowed
      ? `road: ${facts.road}${approved}${overridden}`
      : `road: ${facts.road}; rule: ${decision.rule}; ${decision.reasons.join("; ")}`,
  });
  return decision;
}
