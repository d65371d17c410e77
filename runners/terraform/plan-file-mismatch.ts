import type { PlanFileChange, PlanFileRead } from "./plan-file-contents.js";
import type { PlanJson } from "./plan-json-schema.js";

/** One change as a line both sides can be compared by. */
const line = (c: PlanFileChange) =>
  `${c.address}${c.deposed ? ` (deposed ${c.deposed})` : ""}${c.previous ? ` (moved from ${c.previous})` : ""}${c.importing ? " (imported)" : ""}: ${c.actions.join(", ")}`;

/**
 * No-ops say nothing about what an apply does, and the JSON may leave some out; a no-op that
 * moves or imports an object does (the summary counts it, `auto_approve`'s types read it).
 */
const acts = (c: PlanFileChange) => c.previous !== "" || c.importing || !(c.actions.length === 1 && c.actions[0] === "no-op");

/**
 * How `terraform show -json`'s resource changes differ from those of the plan file it showed, or
 * undefined when they are the same (each address, deposed key, previous address, import and
 * actions, plain no-ops aside). The gate,
 * the summary and the policies read the JSON; the apply applies the file.
 */
export function planFileMismatch(json: Pick<PlanJson, "resource_changes">, file: readonly PlanFileChange[]): string | undefined {
  const shown = (json.resource_changes ?? [])
    .map((rc) => ({
      address: rc.address,
      deposed: rc.deposed ?? "",
      previous: rc.previous_address && rc.previous_address !== rc.address ? rc.previous_address : "",
      importing: rc.change.importing != null,
      actions: rc.change.actions,
    }))
    .filter(acts)
    .map(line);
  const planned = file.filter(acts).map(line);
  const notShown = without(planned, shown);
  const notPlanned = without(shown, planned);
  if (notShown.length === 0 && notPlanned.length === 0) return undefined;
  const some = (list: string[]) => list.slice(0, 3).join("; ") + (list.length > 3 ? ` and ${list.length - 3} more` : "");
  return [
    "what `terraform show -json` printed is not the plan file it showed (a provider or hook may have written into its output)",
    notShown.length ? `the plan file also does ${some(notShown)}` : "",
    notPlanned.length ? `the JSON shows ${some(notPlanned)}, which the plan file does not` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

/** `a` less `b`, as multisets. */
function without(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  return a.filter((x) => {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    return n === 0;
  });
}

/**
 * Why the shown JSON cannot be taken for the saved plan `file` (readPlanFileContents), or
 * undefined: it matches, or the file is not a local plan file (nothing to compare; terraform
 * applies no other).
 */
export function shownPlanDisagrees(file: PlanFileRead, json: Pick<PlanJson, "resource_changes">): string | undefined {
  if (file === undefined) return undefined;
  if (!file.ok) return `the plan file could not be read: ${file.reason}`;
  return planFileMismatch(json, file.changes);
}
