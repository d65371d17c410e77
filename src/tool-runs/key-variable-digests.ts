import { inputDigest } from "../inputs/input-digest.js";
import type { PlanSummary } from "../model/plan-summary.js";

/**
 * A plan's root variable digests (`var.NAME`) keyed with the server's key before anything keeps
 * them: one variable's value (a sensitive one's too) is too small a preimage for a bare sha256 in
 * the store. Every plan goes through the one project runner, so every digest compared is keyed alike.
 */
export function keyVariableDigests<S extends Pick<PlanSummary, "changeHashes">>(summary: S, key: string | Buffer): S {
  if (!summary.changeHashes) return summary;
  const keyed = Object.fromEntries(
    Object.entries(summary.changeHashes).map(([address, digest]) => [
      address,
      address.startsWith("var.") ? inputDigest(key, digest) : digest,
    ]),
  );
  return { ...summary, changeHashes: keyed };
}
