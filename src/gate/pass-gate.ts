import type { ConsoleStore } from "../store/console-store.js";
import type { Decision } from "../policy/decision.js";
import { type GateDecision, decide } from "./decide.js";
import type { PauseState } from "../store/console-store.js";
import type { GateFacts } from "./gate-facts.js";
import { checkBeforeCheckout } from "./gate-rules.js";
import { recordDecision } from "./record-decision.js";

type Store = Pick<ConsoleStore, "recordAudit">;
type Who = Pick<GateFacts, "road" | "repo" | "number" | "actor">;

/** Decides and records: what every road calls, inside the project's run lock, right before its tool runs. */
export function passGate(store: Store, facts: GateFacts): Promise<GateDecision> {
  return recordDecision(store, facts, decide(facts));
}

/**
 * The pause and who asked, before anything is cloned or planned: a refusal here is recorded like
 * any other (for every project of the command, named ""), and nothing runs.
 */
export async function passBeforeCheckout(store: Store, who: Who, pause: PauseState | undefined, actorAllowed: Decision): Promise<Decision> {
  const d = checkBeforeCheckout(pause, actorAllowed);
  if (!d.allowed) {
    await recordDecision(
      store,
      { ...who, project: "" },
      { allowed: false, rule: pause ? "pause" : "actor", reasons: d.reasons, road: who.road },
    );
  }
  return d;
}
