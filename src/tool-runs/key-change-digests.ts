import { inputDigest } from "../inputs/input-digest.js";
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
