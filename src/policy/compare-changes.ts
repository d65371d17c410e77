import type { PlanSummary, ResourceChange } from "../model/plan-summary.js";
import { listSome } from "../util/list-some.js";

const code = (address: string) => `\`${address.replaceAll("`", "")}\``;
const key = (c: Pick<ResourceChange, "address" | "action">) => `${c.action} ${code(c.address)}`;
const list = (xs: string[]) => listSome(xs, 5);

type Comparable = Pick<PlanSummary, "resources" | "outputs" | "changeHashes"> & Partial<Pick<PlanSummary, "actions" | "moves" | "imports">>;

/**
 * Each change's key; and what changes without a resource change: an action the plan invokes (it
 * runs at apply), a move (a `moved` block can take a resource out of `protect`), an import (it
 * brings an object under Terraform).
 */
const keys = (s: Comparable) => [
  ...s.resources.map(key),
  ...(s.actions ?? []).map((a) => `invoke ${code(a.address)}`),
  ...(s.moves ?? []).map((m) => `move ${code(m.from)} to ${code(m.to)}`),
  ...(s.imports ?? []).map((address) => `import ${code(address)}`),
];

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
