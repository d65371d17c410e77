import type { ProjectResult } from "../../src/model/project-result.js";
import { createRedactor } from "../../src/util/redact.js";
import { MAX_COMMENT, renderComments } from "../../src/render/render-comment.js";
import { stripControl } from "../../src/util/sanitize.js";
import { SECRET, summaryOf, TOKEN } from "./big-plan-output.js";
import type { RenderShape } from "./render-shapes.js";
import { median } from "./stats.js";

export const MAX_COMMENTS = 10;

export type ShapeEvent =
  | { kind: "baseline"; stripMs: number; copyMs: number; chars: number }
  | { kind: "run"; ms: number; comments: number; problems: string[] };

/** What "never fails" means: a bounded set of comments, each within GitHub's limit, nothing secret or raw left. */
export function problemsIn(bodies: string[]): string[] {
  const found: string[] = [];
  if (bodies.length < 1 || bodies.length > MAX_COMMENTS) found.push(`${bodies.length} comments`);
  for (const [i, b] of bodies.entries()) {
    if (b.length > MAX_COMMENT) found.push(`comment ${i + 1} has ${b.length} characters`);
    if (b.includes(SECRET) || b.includes(TOKEN)) found.push(`comment ${i + 1} shows a secret`);
    if (/[\x1b\u202e\u200b]/.test(b)) found.push(`comment ${i + 1} keeps control characters`);
  }
  return found;
}

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/**
 * Renders one shape as the app does (renderComments with the job's secrets registered,
 * max_comments 10), reporting the baselines first, then each timed run as it completes.
 */
export function measureShape(shape: RenderShape, reps: number, emit: (e: ShapeEvent) => void): void {
  const { text, addresses } = shape.make();
  const strip = [0, 1, 2].map(() => time(() => stripControl(text)));
  const copy = [0, 1, 2].map(() => time(() => text.split("\n").join("\n")));
  emit({ kind: "baseline", stripMs: median(strip), copyMs: median(copy), chars: text.length });

  const result: ProjectResult = {
    project: { name: "big", dir: "big", workspace: "default", runner: "terraform" },
    status: "planned",
    summary: summaryOf(addresses),
    output: text,
    durationMs: 1234,
  };
  const input = {
    jobId: "42",
    command: "plan" as const,
    state: "done" as const,
    headSha: "0123456789abcdef0123456789abcdef01234567",
    triggerText: "autoplan",
    triggerUser: "alice",
    results: [result],
  };
  const redact = createRedactor({ secrets: [TOKEN, SECRET] });
  const render = () => renderComments(input, redact, { maxComments: MAX_COMMENTS });
  if (shape.warmup) render();
  for (let i = 0; i < reps; i++) {
    let bodies: string[] = [];
    let problems: string[] = [];
    const ms = time(() => {
      try {
        bodies = render();
      } catch (e) {
        problems = [`threw: ${e instanceof Error ? e.message : String(e)}`];
      }
    });
    emit({ kind: "run", ms, comments: bodies.length, problems: problems.length ? problems : problemsIn(bodies) });
  }
}
