import type { AutoApproveCondition, PlanContent, PlanRules, ResourceRef } from "../model/plan-content.js";
import { addressMatches } from "../policy/address-matches.js";
import { protectsInNamespace } from "./namespace-contents.js";

export { addressMatches };

export interface ProtectedChange {
  address: string;
  action: "destroys" | "replaces";
  pattern: string;
  /** Set when the resource is moved in this plan: its address in state, which may be the protected one. */
  movedFrom?: string;
}

/** `terraform_data.b` (moved from `terraform_data.a`), with backticks, or without (audit). */
export function protectedAddress(h: ProtectedChange, tick = "`"): string {
  const moved = h.movedFrom !== undefined ? ` (moved from ${tick}${h.movedFrom}${tick})` : "";
  return `${tick}${h.address}${tick}${moved}`;
}

/**
 * The destroys and replaces of the plan that a `protect` pattern matches, each with the first
 * pattern that does. A resource a `moved` block renames in the same plan is matched by its new
 * and by its old address: protecting `aws_db_instance.main` must not end where a PR moves it.
 */
export function protectedChanges(content: PlanContent, protect: PlanRules["protect"]): ProtectedChange[] {
  const out: ProtectedChange[] = [];
  const scan = (refs: ResourceRef[], action: "destroys" | "replaces") => {
    for (const r of refs) {
      // A deposed object (`X (deposed 0001)`) is an older object of `X`; a moved one is still the one named before.
      const addresses = [
        r.address,
        r.address.replace(/ \(deposed [^)]*\)$/, ""),
        ...(r.previousAddress !== undefined ? [r.previousAddress] : []),
      ];
      // A Kubernetes Namespace takes everything in it along.
      const namespace = /^Namespace\/([^/]+)$/.exec(r.address)?.[1];
      const hit = protect.find(
        (p) =>
          addresses.some((a) => addressMatches(p.pattern, a)) || (namespace !== undefined && protectsInNamespace(p.pattern, namespace)),
      );
      if (!hit) continue;
      out.push({
        address: r.address,
        action,
        pattern: hit.pattern,
        ...(r.previousAddress !== undefined ? { movedFrom: r.previousAddress } : {}),
      });
    }
  };
  scan(content.destroys, "destroys");
  scan(content.replaces, "replaces");
  return out;
}

const CONDITION_TEXT: Record<AutoApproveCondition, string> = {
  empty: "the plan changes nothing",
  only_tags: "only tags changed",
  no_destroy: "nothing is destroyed or replaced",
};

/**
 * Resources the plan moves from an address a `protect` pattern covers to one none covers: allowed
 * (nothing is destroyed), but a later plan could destroy them unprotected, so the plan says it.
 */
export function movedOutOfProtection(content: PlanContent, protect: PlanRules["protect"]): { from: string; to: string }[] {
  const covered = (address: string) => protect.some((p) => addressMatches(p.pattern, address));
  return content.moves.filter((m) => covered(m.from) && !covered(m.to));
}

/** Whether `auto_approve` meets the approval requirement for this plan, and in words why (or why not). */
export function autoApproval(
  content: PlanContent | { unreadable: string },
  rule: PlanRules["autoApprove"],
  /** The project's `protect`: a plan that moves a resource out of it is left to a person. */
  protect: PlanRules["protect"] = [],
): { met: true; why: string } | { met: false; why: string } | undefined {
  if (!rule) return undefined;
  if ("unreadable" in content) return { met: false, why: `not auto-approved: the plan could not be read (${content.unreadable})` };
  // Destroying nothing, such a move is the first of two steps past `protect` (the next plan
  // destroys it unprotected): its "moved out of protection" note is there for a reviewer to read.
  const unprotected = movedOutOfProtection(content, protect);
  if (unprotected.length)
    return {
      met: false,
      why: `not auto-approved: the plan moves ${unprotected.map((m) => `\`${m.from}\``).join(", ")} out of protection: a person reviews that`,
    };
  const unmet: string[] = [];
  let met: AutoApproveCondition | undefined;
  for (const condition of rule.when) {
    const holds = conditionHolds(content, condition);
    if (holds === true) {
      met = condition;
      break;
    }
    if (holds !== false) unmet.push(holds.unknown);
  }
  if (!met) {
    const why = unmet.length ? unmet.join("; ") : `none of ${rule.when.map((w) => `\`${w}\``).join(", ")} holds`;
    return { met: false, why: `not auto-approved: ${why}` };
  }
  if (rule.max_changes !== undefined && content.changes > rule.max_changes)
    return { met: false, why: `not auto-approved: ${content.changes} changes, more than \`max_changes: ${rule.max_changes}\`` };
  if (rule.types) {
    if (content.unlistedImports)
      return {
        met: false,
        why: `not auto-approved: the plan imports ${content.unlistedImports} resource(s) whose types it does not record (made by an older Sluice): plan again`,
      };
    const patterns = rule.types;
    const other = content.types.filter((t) => !patterns.some((p) => addressMatches(p, t)));
    if (other.length) return { met: false, why: `not auto-approved: ${other.map((t) => `\`${t}\``).join(", ")} not in \`types\`` };
  }
  const limits = [
    rule.max_changes !== undefined ? `at most ${rule.max_changes} changes` : "",
    rule.types ? `types ${rule.types.map((t) => `\`${t}\``).join(", ")}` : "",
  ].filter(Boolean);
  return { met: true, why: `auto-approved: ${CONDITION_TEXT[met]}${limits.length ? ` (${limits.join(", ")})` : ""}` };
}

function conditionHolds(content: PlanContent, condition: AutoApproveCondition): boolean | { unknown: string } {
  switch (condition) {
    case "empty":
      return content.empty;
    case "only_tags":
      return content.onlyTags;
    case "no_destroy":
      return !content.destroyPlan && content.destroys.length === 0 && content.replaces.length === 0;
  }
}
