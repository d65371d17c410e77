import { policiesFor } from "../config/policies-for.js";
import type { PolicyCheck } from "../model/policy-check.js";
import type { PolicyView } from "../model/project-result.js";
import { isAgent } from "../policy/is-agent.js";
import { describeOwners, type PolicyFact, policyRules, policyStatus } from "../policy/policy-status.js";
import type { PlanRecord } from "../store/store.js";
import type { JobDeps } from "../job-context/job-deps.js";

/** Policy checks read Terraform's plan JSON (OpenTofu's, a Terragrunt unit's); Helm and Kustomize have none to check. */
export const policyChecked = (runner: string) => runner === "terraform" || runner === "opentofu" || runner === "terragrunt";

/** The `policies` gate fact of one saved plan: its stored outcome and the approvals given for its hash. */
export async function planPolicyFact(
  deps: Pick<JobDeps, "config" | "store">,
  plan: Pick<PlanRecord, "repo" | "pr" | "planHash" | "runner">,
): Promise<PolicyFact> {
  const rules = policyRules(policiesFor(deps.config, plan.repo));
  if (rules.length === 0 || !policyChecked(plan.runner)) return { passed: true };
  const key = { repo: plan.repo, pr: plan.pr, planHash: plan.planHash };
  const [check, approvals] = await Promise.all([deps.store.policyCheckOf(key), deps.store.policyApprovals(key)]);
  // An approval an agent gave (before the server named it one) never counts.
  return policyStatus(
    rules,
    check,
    approvals.filter((a) => !isAgent(a.user, deps.config.agents)),
  );
}

/** What the plan comment shows of a fresh policy check. */
export function policyView(deps: Pick<JobDeps, "config">, check: PolicyCheck | undefined): PolicyView | undefined {
  if (!check) return undefined;
  const approvers: Record<string, string> = {};
  for (const rule of policyRules(deps.config.policies)) {
    approvers[rule.name] = `${rule.approveCount} approval${rule.approveCount === 1 ? "" : "s"} from ${describeOwners(rule.owners)}`;
  }
  return { sets: check.sets, approvers };
}
