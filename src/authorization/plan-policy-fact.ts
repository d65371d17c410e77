import { policiesFor } from "../config/policies-for.js";
import type { PolicyApproval, PolicyCheck } from "../model/policy-check.js";
import type { PolicyView } from "../model/project-result.js";
import { identicalEarlierPlans } from "../policy/approvals-from.js";
import { countingPolicyApprovals } from "../policy/counting-policy-approvals.js";
import { isAgent } from "../policy/is-agent.js";
import { describeOwners, type PolicyFact, policyRules, policyStatus } from "../policy/policy-status.js";
import type { PlanRecord } from "../store/store.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { byOwnersNow } from "./policy-owners.js";
import { agentsByAccount, jobPeople } from "../policy/named-people.js";

/** Policy checks read Terraform's plan JSON (OpenTofu's, a Terragrunt unit's); Helm and Kustomize have none to check. */
export const policyChecked = (runner: string) => runner === "terraform" || runner === "opentofu" || runner === "terragrunt";

/** A plan the policy records are kept for: a PR's saved plan (with its history), a preview's or a drift check's. */
type PolicyPlan = Pick<PlanRecord, "repo" | "pr" | "planHash" | "runner"> | PlanRecord;

const keyOf = (plan: Pick<PlanRecord, "repo" | "pr" | "planHash">) => ({ repo: plan.repo, pr: plan.pr, planHash: plan.planHash });

/**
 * The PR's earlier plans identical to `plan`, whose policy approvals may still count; none for a
 * preview's or a drift check's (no summary). A drift apply's plan has one, but its history is the
 * drift slot's, which `/approve_policies` never approves.
 */
async function identicalEarlier(deps: Pick<JobDeps, "store">, plan: PolicyPlan): Promise<PlanRecord[]> {
  if (!("summary" in plan)) return [];
  const key = { dir: plan.dir, workspace: plan.workspace, project: plan.project };
  return identicalEarlierPlans(await deps.store.planHistory(plan.repo, plan.pr, key, plan.headSha), plan);
}

/** The keys whose approvals count for `plan`: its own and its identical earlier plans' (what `--clear-policy-approval` clears). */
export async function policyKeysOf(deps: Pick<JobDeps, "store">, plan: PolicyPlan) {
  return [keyOf(plan), ...(await identicalEarlier(deps, plan)).map(keyOf)];
}

/**
 * The approvals that count for `plan`, whose outcome is `check`: its own and those carried over
 * from identical earlier plans, given by who owns the set now.
 */
export async function policyApprovalsOf(
  deps: Pick<JobDeps, "config" | "store" | "log">,
  vcs: Pick<VcsClient, "teamMember" | "userId">,
  plan: PolicyPlan,
  check: PolicyCheck | undefined,
): Promise<PolicyApproval[]> {
  const [own, earlier] = await Promise.all([
    deps.store.policyApprovals(keyOf(plan)),
    identicalEarlier(deps, plan).then((plans) =>
      Promise.all(
        plans.map(async (p) => {
          const [c, approvals] = await Promise.all([deps.store.policyCheckOf(keyOf(p)), deps.store.policyApprovals(keyOf(p))]);
          return { check: c, approvals };
        }),
      ),
    ),
  ]);
  // An approval an agent gave (before the server named it one) never counts; an agent renamed since is one by its account.
  const people = jobPeople(deps, vcs);
  const agents = await agentsByAccount(people, deps.config.agents);
  const counting = countingPolicyApprovals({ check, approvals: own }, earlier).filter(
    (a) => !isAgent({ login: a.user, ...(a.userId !== undefined ? { id: a.userId } : {}) }, agents),
  );
  const rules = policyRules(policiesFor(deps.config, plan.repo));
  return byOwnersNow(people, vcs, plan.repo.split("/")[0] ?? "", rules, counting);
}

/** The `policies` gate fact of one saved plan: its stored outcome and the approvals that count for it. */
export async function planPolicyFact(
  deps: Pick<JobDeps, "config" | "store" | "log">,
  vcs: Pick<VcsClient, "teamMember" | "userId">,
  plan: PolicyPlan,
): Promise<PolicyFact> {
  const rules = policyRules(policiesFor(deps.config, plan.repo));
  if (rules.length === 0 || !policyChecked(plan.runner)) return { passed: true };
  const check = await deps.store.policyCheckOf(keyOf(plan));
  return policyStatus(rules, check, await policyApprovalsOf(deps, vcs, plan, check));
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
