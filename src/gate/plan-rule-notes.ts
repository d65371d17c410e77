import type { PlanContent, PlanRules } from "../model/plan-content.js";
import { autoApproval, movedOutOfProtection, protectedAddress, protectedChanges } from "./plan-rules.js";
import { listSome } from "../util/list-some.js";

const SHOWN = 5;

/**
 * What the trusted plan rules say of a plan, as sentences for its comment (backticks mark code;
 * the renderer cleans and escapes them): what is protected, whether it is auto-approved, what a
 * destroy plan needs, and who proposed it when that is an agent. Empty when no rule applies.
 */
export function planRuleNotes(rules: PlanRules, content: PlanContent, proposedBy?: string): string[] {
  const notes: string[] = [];
  if (proposedBy) {
    notes.push(
      `🤖 proposed by the agent @${proposedBy}: an agent may plan, never apply or approve; applying this needs a human's approval of this commit`,
    );
  }
  const hits = protectedChanges(content, rules.protect);
  if (hits.length) {
    const shown = listSome(hits, SHOWN, (h) => `${h.action} ${protectedAddress(h)}`);
    notes.push(`🛡️ protected: ${shown}; needs an owner's override (\`/apply --override-protect -- REASON\`)`);
  }
  const unprotected = movedOutOfProtection(content, rules.protect);
  if (unprotected.length) {
    const shown = listSome(unprotected, SHOWN, (m) => `\`${m.from}\` → \`${m.to}\``);
    notes.push(`⚠️ moved out of protection: ${shown}; \`protect\` no longer covers them at their new address`);
  }
  if (content.destroyPlan && rules.destroy) {
    const d = rules.destroy;
    const from = d.teams.length ? ` from ${d.teams.map((t) => `\`${t}\``).join(", ")}` : "";
    const window = d.window ? `, inside its window \`${d.window.allow ?? `not ${d.window.deny}`}\` (${d.window.timezone})` : "";
    notes.push(`🧨 destroy rule: needs ${d.approvals} approval${d.approvals === 1 ? "" : "s"}${from}${window}`);
  }
  const auto = proposedBy ? undefined : autoApproval(content, rules.autoApprove, rules.protect);
  if (auto) notes.push(auto.met ? `✅ ${auto.why}` : auto.why);
  return notes;
}
