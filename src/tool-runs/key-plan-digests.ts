import { inputDigest } from "../inputs/input-digest.js";
import type { PolicyCheck } from "../model/policy-check.js";
import type { PlanSummary } from "../model/plan-summary.js";

/**
 * A plan's change digests (each resource's planned values, `output.NAME`, `var.NAME`) keyed with
 * the server's key before anything keeps them: a digest over one secret (a sensitive variable or
 * output, a resource with one secret attribute) is a small preimage for a bare sha256 in the
 * store. Every plan goes through the one project runner, so every digest compared is keyed alike.
 */
export function keyChangeDigests<S extends Pick<PlanSummary, "changeHashes">>(summary: S, key: string | Buffer): S {
  if (!summary.changeHashes) return summary;
  const keyed = Object.fromEntries(Object.entries(summary.changeHashes).map(([address, digest]) => [address, inputDigest(key, digest)]));
  return { ...summary, changeHashes: keyed };
}

/** A policy check's digests of every failure of a set (kept past 50 failures), keyed alike. */
function keyPolicyDigests(check: PolicyCheck, key: string | Buffer): PolicyCheck {
  const sets = check.sets.map((set) =>
    set.status === "failed" && set.allFailures ? { ...set, allFailures: inputDigest(key, set.allFailures) } : set,
  );
  return { sets };
}

/** A plan's digests (its changes' and its policy failures'), keyed with the server's key before anything keeps them. */
export function keyPlanDigests<O extends { summary: Pick<PlanSummary, "changeHashes">; policy?: PolicyCheck }>(
  outcome: O,
  key: string | Buffer,
): O {
  const keyed = { ...outcome, summary: keyChangeDigests(outcome.summary, key) };
  return outcome.policy ? { ...keyed, policy: keyPolicyDigests(outcome.policy, key) } : keyed;
}
