import type { GateRule, Road } from "../model/gate.js";
import type { GateFacts } from "./gate-facts.js";
import { checkRule, ROAD_RULES } from "./gate-rules.js";

declare const issuedByTheGate: unique symbol;

/**
 * What the gate hands out when it allows a change: the only argument that opens
 * `applyThroughGate` / `changeStateThroughGate`. It cannot be built outside this module (the
 * brand is a type no other module can name, and the pass is checked at run time too).
 */
export interface GatePass {
  readonly [issuedByTheGate]: true;
  readonly road: Road;
  readonly repo: string;
  readonly project: string;
  readonly number: number;
  readonly actor: string;
  /**
   * The approvals the gate counted (the requirement facts' count: not the head's
   * pusher, nor the author, an agent or a user without write access); none on a road without
   * them. What the apply token's `approvers`, the live record and the audit name.
   */
  readonly approvers: readonly string[];
}

export type GateDecision =
  | { allowed: true; pass: GatePass; road: Road }
  | { allowed: false; rule: GateRule; reasons: string[]; road: Road };

const issued = new WeakSet<object>();

/**
 * The one decision every road to production asks: the road's rules in order, the first one that
 * refuses gives the reasons. Pure over the facts; the caller records the decision.
 */
export function decide(facts: GateFacts): GateDecision {
  for (const rule of ROAD_RULES[facts.road]) {
    const d = checkRule(rule, facts);
    if (!d.allowed) return { allowed: false, rule, reasons: d.reasons, road: facts.road };
  }
  const pass = {
    road: facts.road,
    repo: facts.repo,
    project: facts.project,
    number: facts.number,
    actor: facts.actor,
    approvers: facts.requirements?.counted.approvers ?? [],
  } as unknown as GatePass;
  issued.add(pass);
  return { allowed: true, pass, road: facts.road };
}

/** Whether `pass` came from `decide` (a forged object fails, whatever its shape). */
export function isGatePass(pass: unknown): pass is GatePass {
  return typeof pass === "object" && pass !== null && issued.has(pass);
}

/** The refusal as users read it, in the reply and the check. */
export function refusalText(reasons: readonly string[]): string {
  return `⛔ refused: ${reasons.join("; ")}`;
}
