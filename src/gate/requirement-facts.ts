import { countApprovals } from "../policy/count-approvals.js";
import type { RequirementFacts } from "./gate-facts.js";

/**
 * A pull request's requirement facts with its approvals counted, once: the requirements, a
 * `destroy:` rule and the gate's pass all read this count, so none can count differently.
 */
export function requirementFacts(r: Omit<RequirementFacts, "counted">): RequirementFacts {
  return { ...r, counted: countApprovals(r.facts.reviews, r.facts, r.approvalsFrom) };
}
