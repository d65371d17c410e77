/**
 * All the parsing one read of a commit may do (each file has its own budget, PARSE_BUDGET_MS):
 * past it, the files left get an error instead of a parse, and a later read parses them. 6,000
 * real units take about 1 s of parse time.
 */
export const PARSE_BUDGET_PER_READ_MS = 6_000;

export const NOT_PARSED = `not parsed: this commit's Terragrunt files took more than ${PARSE_BUDGET_PER_READ_MS / 1000} s to parse in all (Sluice stops there): not followed`;

/**
 * The parse time one read has spent, in microseconds, summed over every thread parsing for it: a
 * shared cell, so parses running side by side in the pool's workers cannot each spend the whole
 * budget. Each parse adds its time as it goes (tree-sitter's progress calls), not only at its end.
 */
export interface ReadBudget {
  spentUs: Int32Array;
  limitUs: number;
}

export function newReadBudget(limitMs = PARSE_BUDGET_PER_READ_MS): ReadBudget {
  return { spentUs: new Int32Array(new SharedArrayBuffer(4)), limitUs: Math.round(limitMs * 1000) };
}

/** Adds `ms` of parse time to the read's and says whether its budget is spent. */
export function spend(read: ReadBudget, ms: number): boolean {
  const us = Math.max(0, Math.round(ms * 1000));
  // Past the limit the cell stops growing: it cannot wrap around however long the parses take.
  const before = Atomics.load(read.spentUs, 0);
  if (before >= read.limitUs) return true;
  return Atomics.add(read.spentUs, 0, us) + us >= read.limitUs;
}

export const readBudgetSpent = (read: ReadBudget): boolean => Atomics.load(read.spentUs, 0) >= read.limitUs;
