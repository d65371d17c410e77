import type { ConsoleStore } from "../store/console-store.js";
import type { GateDecision } from "./decide.js";
import type { GateFacts } from "./gate-facts.js";
import { approvalMode } from "./plan-rule-checks.js";
import { protectedAddress, protectedChanges } from "./plan-rules.js";

/**
 * Every decision, allowed or refused, is an audit event: who asked, on which road, for which
 * project, and the reasons of a refusal. Returns the decision for chaining.
 */
export async function recordDecision(
  store: Pick<ConsoleStore, "recordAudit">,
  facts: Pick<GateFacts, "road" | "repo" | "project" | "number" | "actor"> &
    Partial<Pick<GateFacts, "window" | "override" | "requirements" | "identity" | "recordedAs" | "planRules" | "agents">>,
  decision: GateDecision,
): Promise<GateDecision> {
  // An admin's override of a closed window is what an auditor asks about first: it is in the record.
  const overridden =
    decision.allowed && facts.window && !facts.window.open && facts.override?.admin
      ? `; window overridden by @${facts.override.by} (${facts.window.why}): ${facts.override.reason}`
      : "";
  // Who approved what was applied: the approvals the gate counted, for an auditor reading the stream.
  const approvers = decision.allowed ? decision.pass.approvers : [];
  const approved = approvers.length ? `; approvers: ${approvers.join(", ")}` : "";
  // Which project every rule was found by: an auditor sees a renamed project as what it is.
  const identity = facts.identity ? `; identity: ${facts.identity}` : "";
  const rules = decision.allowed ? planRulesAudit(facts) : "";
  await store.recordAudit({
    actor: facts.actor,
    action: decision.allowed ? "gate-allowed" : "gate-refused",
    repo: facts.repo,
    // Filed under the trusted name: a PR's rename must not take an apply of prod out of prod's trail.
    project: facts.recordedAs ?? facts.project,
    pr: facts.number,
    detail: decision.allowed
      ? `road: ${facts.road}${approved}${overridden}${rules}${identity}`
      : `road: ${facts.road}; rule: ${decision.rule}; ${decision.reasons.join("; ")}${identity}`,
  });
  return decision;
}

/** What the plan rules did for an allowed change: an auto-approval and its rule, an owner's override, an agent's proposal. */
function planRulesAudit(facts: Partial<Pick<GateFacts, "requirements" | "planRules" | "agents">>): string {
  const out: string[] = [];
  const mode = approvalMode(facts);
  // Said only where the approval requirement was there to be met.
  if (mode.kind === "auto" && facts.requirements?.requirements.includes("approved"))
    out.push(`${mode.why} (auto_approve from ${mode.source})`);
  if (mode.kind === "agent") out.push(`proposed by agent @${mode.agent}`);
  const p = facts.planRules;
  if (p?.overrideProtect?.owner && !("unreadable" in p.content)) {
    const hits = protectedChanges(p.content, p.rules.protect);
    if (hits.length)
      out.push(
        `protection overridden by @${p.overrideProtect.by} (${hits.map((h) => `${h.action} ${protectedAddress(h, "")}`).join(", ")}): ${p.overrideProtect.reason}`,
      );
  }
  return out.map((o) => `; ${o}`).join("");
}
