import { hostile, longWord, realisticPlan, singleLine } from "./big-plan-output.js";

const SIZE = 10 * 1024 * 1024;

export interface RenderShape {
  /** Builds the output text and the resource addresses of its plan summary. */
  make(): { text: string; addresses: string[] };
  /** Timed runs after one warm-up run (none when warmup is false). */
  reps: { full: number; quick: number };
  warmup: boolean;
  /** The child is stopped after this long; the shape then counts as failed. */
  budgetMs: number;
}

/** The 10 MB outputs rendering is measured on. */
export const RENDER_SHAPES: Record<string, RenderShape> = {
  "plan text": { make: () => realisticPlan(SIZE), reps: { full: 5, quick: 3 }, warmup: true, budgetMs: 60_000 },
  "one-line JSON": {
    make: () => ({ text: singleLine(SIZE), addresses: ["terraform_data.x"] }),
    reps: { full: 5, quick: 3 },
    warmup: true,
    budgetMs: 60_000,
  },
  "hostile text": {
    make: () => ({ text: hostile(SIZE), addresses: ["terraform_data.x"] }),
    reps: { full: 5, quick: 3 },
    warmup: true,
    budgetMs: 60_000,
  },
  // One 64 KB word: seconds of regex backtracking per run (see the report), so one run, no warm-up.
  "plan + 64 KB word": { make: () => longWord(SIZE, 64 * 1024), reps: { full: 1, quick: 1 }, warmup: false, budgetMs: 45_000 },
};
