import type { PlanSummary } from "../../src/model/plan-summary.js";
import type { PlanJson, ValuesModule } from "./plan-json-schema.js";
import { priorState } from "./state-read-back.js";

const DEPOSED = / \(deposed [^)]*\)$/;

/**
 * Whether a plan tears its project down: it deletes most (more than half) of the managed
 * resource instances its prior state holds. Read from what the plan does, never from how it was
 * asked (`-destroy`): a pull request that deletes or empties the project's code plans the same
 * teardown. What it creates does not count (one resource left created, or added, keeps nothing
 * that was there), nor does "all": deleting all but one of three is a teardown all the same
 * (one of two is half, an ordinary change; `protect` holds what must not go). A resource
 * moved to a throwaway address and deleted there, or taken out by a `removed` block that
 * destroys it, is a delete like any other; one forgotten (`removed`, `destroy = false`) stays
 * where it is and is not.
 */
export function teardownOf(
  resources: PlanSummary["resources"],
  held: ReadonlySet<string> | undefined,
  /** What the plan imports with no other change (the summary's `imports`). */
  imports: readonly string[] = [],
): PlanSummary["teardown"] | undefined {
  const deleted = deletedOf(resources, held, imports);
  return deleted && deleted.destroys * 2 > deleted.held ? deleted : undefined;
}

/**
 * What a plan deletes of the managed resource instances its prior state holds (see teardownOf);
 * undefined when it deletes nothing.
 */
export function deletedOf(
  resources: PlanSummary["resources"],
  held: ReadonlySet<string> | undefined,
  imports: readonly string[] = [],
): PlanSummary["deleted"] | undefined {
  const destroys = deletesIn(resources);
  if (destroys === 0) return undefined;
  // Terraform writes what a plan imports into its prior state (the plan file's and the JSON's):
  // objects the project did not hold, any of them a throwaway a PR names (a `terraform_data` imports
  // any id), must not dilute the deletes. Each import is of an address the state did not hold
  // (terraform skips one already managed), so they are taken off by count, whatever their spelling.
  const imported = imports.length + resources.filter((r) => r.importing).length;
  // Each delete is of an object the state holds: a prior state that lists fewer (unreadable, or
  // none) cannot make a teardown look partial.
  return { destroys, held: Math.max((held?.size ?? 0) - imported, destroys) };
}

/** The deletes of a plan's resource changes; a deposed object is a leftover of a replace, not what the project manages. */
export function deletesIn(resources: PlanSummary["resources"]): number {
  return resources.filter((r) => r.action === "delete" && !isDeposed(r.address)).length;
}

/** A deposed object's address: a leftover of a replace. */
export const isDeposed = (address: string): boolean => DEPOSED.test(address);

/**
 * The summary marked a teardown where it is one, the prior state read from the plan file itself
 * (terraform wrote it; `show -json`'s output can carry what a provider printed into it), the
 * JSON's prior state where the file holds none Sluice can read.
 */
export async function withTeardown(summary: PlanSummary, planFile: string, json: PlanJson | undefined): Promise<PlanSummary> {
  if (!summary.resources.some((r) => r.action === "delete")) return summary;
  const held = (await priorState(planFile))?.addresses ?? (json ? jsonPriorAddresses(json) : undefined);
  const deleted = deletedOf(summary.resources, held, summary.imports);
  if (!deleted) return summary;
  // Kept on every plan that deletes: a pull request's later plan adds up what its applies deleted.
  return deleted.destroys * 2 > deleted.held ? { ...summary, deleted, teardown: deleted } : { ...summary, deleted };
}

/** The managed resource instances of the JSON's `prior_state`, by address. */
function jsonPriorAddresses(plan: PlanJson): Set<string> | undefined {
  const root = plan.prior_state?.values?.root_module;
  if (!root) return undefined;
  const addresses = new Set<string>();
  const walk = (m: ValuesModule) => {
    for (const r of m.resources ?? []) {
      const { address, mode } = r as { address?: unknown; mode?: unknown };
      if (mode === "managed" && typeof address === "string") addresses.add(address);
    }
    for (const child of m.child_modules ?? []) walk(child);
  };
  walk(root);
  return addresses;
}
