import type { ConsoleStore } from "../store/console-store.js";
import type { GateDecision } from "./decide.js";
import type { GateFacts } from "./gate-facts.js";

/**
 * Every decision, allowed or refused, is an audit event: who asked, on which road, for which
 * project, and the reasons of a refusal. Returns the decision for chaining.
 */
export async function recordDecision(
  store: Pick<ConsoleStore, "recordAudit">,
  facts: Pick<GateFacts, "road" | "repo" | "project" | "number" | "actor">,
  decision: GateDecision,
): Promise<GateDecision> {
  await store.recordAudit({
    actor: facts.actor,
    action: decision.allowed ? "gate-allowed" : "gate-refused",
    repo: facts.repo,
    project: facts.project,
    pr: facts.number,
    detail: decision.allowed ? `road: ${facts.road}` : `road: ${facts.road}; rule: ${decision.rule}; ${decision.reasons.join("; ")}`,
  });
  return decision;
}
