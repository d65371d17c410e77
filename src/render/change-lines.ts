import type { PlanSummary, ResourceAction, ResourceChange } from "../model/plan-summary.js";
import { cutText } from "./cut-text.js";

/** Terraform's plan symbols, so the list reads like the plan itself. */
const SYMBOL: Record<ResourceAction, string> = {
  delete: "-",
  replace: "-/+",
  create: "+",
  update: "~",
  read: "<=",
  forget: ".",
};

/** Destroys and replaces first: they are what a reviewer must not miss. */
const ORDER: Record<ResourceAction, number> = { delete: 0, replace: 0, forget: 1, create: 2, update: 3, read: 4 };

const REASON: Record<string, string> = {
  replace_because_tainted: "tainted",
  replace_because_cannot_update: "forces replacement",
  replace_by_request: "replacement requested",
  replace_by_triggers: "replace_triggered_by",
  delete_because_no_resource_config: "no longer in configuration",
  delete_because_no_module: "module removed",
  delete_because_wrong_repetition: "count/for_each changed",
  delete_because_count_index: "count index out of range",
  delete_because_each_key: "for_each key removed",
  delete_because_no_move_target: "move target missing",
  read_because_config_unknown: "known after apply",
  read_because_dependency_pending: "dependency pending",
  read_because_check_nested: "check block",
};

const ADDRESS_MAX = 300;

/**
 * One line per change, for a ```diff fence (the leading symbol colors it). Every tool-derived
 * string goes through `clean` (control stripping and redaction) and is flattened to one line, so
 * an address cannot fake extra lines.
 */
export function changeLines(summary: PlanSummary, clean: (text: string) => string): string[] {
  const flat = (text: string) => cutText(clean(text).replace(/\s+/g, " "), ADDRESS_MAX);
  const sorted = summary.resources
    .map((change, index) => ({ change, index }))
    .sort((a, b) => (ORDER[a.change.action] ?? 5) - (ORDER[b.change.action] ?? 5) || a.index - b.index)
    .map(({ change }) => change);

  const lines = sorted.map((change) => resourceLine(change, flat));
  for (const move of summary.moves) lines.push(`    ${flat(move.from)} -> ${flat(move.to)} (moved)`);
  for (const output of summary.outputs) {
    const symbol = output.action === "create" ? "+" : output.action === "delete" ? "-" : "~";
    lines.push(`${symbol.padEnd(3)} output.${flat(output.name)}${output.sensitive ? " (sensitive)" : ""}`);
  }
  return lines;
}

function resourceLine(change: ResourceChange, flat: (text: string) => string): string {
  const notes: string[] = [];
  if (change.reason) notes.push(REASON[change.reason] ?? flat(change.reason).replace(/_/g, " "));
  if (change.previousAddress) notes.push(`moved from ${flat(change.previousAddress)}`);
  if (change.importing) notes.push("import");
  const symbol = SYMBOL[change.action] ?? "?";
  return `${symbol.padEnd(3)} ${flat(change.address)}${notes.length > 0 ? ` (${notes.join(", ")})` : ""}`;
}
