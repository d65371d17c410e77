import type { ResourceChange } from "../model/plan-summary.js";

const key = (c: Pick<ResourceChange, "address" | "action">) => `${c.action} \`${c.address.replaceAll("`", "")}\``;

/**
 * Compares two plans' resource changes (address + action). Returns undefined when they are the
 * same set, or a short description of the difference for the refusal message.
 */
export function compareChanges(
  approved: readonly Pick<ResourceChange, "address" | "action">[],
  actual: readonly Pick<ResourceChange, "address" | "action">[],
): string | undefined {
  const a = new Set(approved.map(key));
  const b = new Set(actual.map(key));
  const missing = [...a].filter((k) => !b.has(k));
  const extra = [...b].filter((k) => !a.has(k));
  if (missing.length === 0 && extra.length === 0) return undefined;
  const list = (xs: string[]) => xs.slice(0, 5).join(", ") + (xs.length > 5 ? ` and ${xs.length - 5} more` : "");
  return [extra.length ? `new: ${list(extra)}` : "", missing.length ? `no longer planned: ${list(missing)}` : ""]
    .filter(Boolean)
    .join("; ");
}
