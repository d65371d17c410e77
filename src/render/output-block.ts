import { cutIndex } from "./cut-text.js";
import { fence } from "./fence.js";
import { templates } from "./templates.js";

/** A collapsible block holding (part of) a tool output in its own fence. */
export function renderOutputBlock(chunk: string, opts: { open?: boolean; summary?: string } = {}): string {
  return templates.output({ open: opts.open ?? false, summary: opts.summary ?? "Show output", fenced: fence(chunk) });
}

/**
 * The largest chunk `text.slice(start, end)` whose rendering, as measured by `size`, is at most
 * `budget`; `start` when not even a tiny chunk fits. Measures instead of predicting: the fence
 * grows with the longest backtick run in the chunk, and a shorter chunk never needs a longer fence,
 * so shrinking by the overflow converges in a few rounds. Output made of one huge backtick run
 * needs a fence as long as the chunk, hence the last resort of a third of the budget.
 */
export function fitChunk(text: string, start: number, budget: number, size: (end: number) => number): number {
  const empty = size(start);
  if (empty >= budget) return start;
  const room = budget - empty;
  for (const first of [start + room, start + Math.floor(room / 3)]) {
    let limit = first;
    for (let round = 0; round < 8 && limit > start; round++) {
      const end = cutIndex(text, start, limit);
      if (end <= start) break;
      const overflow = size(end) - budget;
      if (overflow <= 0) return end;
      limit = end - overflow;
    }
  }
  return start;
}
