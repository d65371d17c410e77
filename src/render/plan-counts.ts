import type { PlanSummary } from "../model/plan-summary.js";

/** Terraform's own counting, compact: `+2 ~1 -1`. */
export function planCounts(summary: Pick<PlanSummary, "add" | "change" | "destroy">): string {
  return `+${summary.add} ~${summary.change} -${summary.destroy}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the three counts do not say: replaces, moves, imports, forgets, output changes. */
export function planExtras(summary: PlanSummary): string[] {
  const extras: string[] = [];
  if (summary.replace > 0) extras.push(plural(summary.replace, "replace", "replaces"));
  if (summary.move > 0) extras.push(plural(summary.move, "move", "moves"));
  if (summary.import > 0) extras.push(plural(summary.import, "import", "imports"));
  if (summary.forget > 0) extras.push(plural(summary.forget, "forget", "forgets"));
  if (summary.outputs.length > 0) extras.push(plural(summary.outputs.length, "output change", "output changes"));
  return extras;
}
