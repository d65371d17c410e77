import type { PlanSummary, ResourceChange } from "../model/plan-summary.js";
import { listSome } from "../util/list-some.js";

const key = (c: Pick<ResourceChange, "address" | "action">) => `${c.action} \`${c.address.replaceAll("`", "")}\``;
const list = (xs: string[]) => listSome(xs, 5);

type Comparable = Pick<PlanSummary, "resources" | "outputs" | "changeHashes" | "actions">;

/** Each change's key, and each action the plan invokes (an action runs at apply like a change). */
const keys = (s: Comparable) => [...s.resources.map(key), ...(s.actions ?? []).map((a) => `invoke \`${a.address.replaceAll("`", "")}\``)];

/** A plan that changes nothing has nothing to digest. */
const digests = (s: Comparable) => s.changeHashes ?? (s.resources.length === 0 && s.outputs.length === 0 ? {} : undefined);

/**
 * Compares an approved plan with a new one: the same addresses, the same actions and the same
 * planned values (by digest). Returns undefined when they are the same changes, or a short
 * description of the difference for the refusal message. Without digests on both sides the
 * values cannot be shown equal, so they count as different.
 */
export function compareChanges(approved: Comparable, actual: Comparable): string | undefined {
  const a = new Set(keys(approved));
  const b = new Set(keys(actual));
  const missing = [...a].filter((k) => !b.has(k));
  const extra = [...b].filter((k) => !a.has(k));
  const differences = [extra.length ? `new: ${list(extra)}` : "", missing.length ? `no longer planned: ${list(missing)}` : ""].filter(
    Boolean,
  );
  if (differences.length) return differences.join("; ");
  const before = digests(approved);
  const after = digests(actual);
  if (!before || !after) return "the planned values of this project kind cannot be compared, so they may differ";
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((address) => before[address] !== after[address])
    .sort()
    .map((address) => `\`${address.replaceAll("`", "")}\``);
  return changed.length ? `other planned values: ${list(changed)}` : undefined;
}
