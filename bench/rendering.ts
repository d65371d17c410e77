import type { ProjectResult } from "../src/model/project-result.js";
import { createRedactor } from "../src/render/redact.js";
import { MAX_COMMENT, renderComments } from "../src/render/render-comment.js";
import { stripControl } from "../src/render/sanitize.js";
import type { BenchOptions } from "./support/bench-options.js";
import { hostile, realisticPlan, SECRET, singleLine, summaryOf, TOKEN } from "./support/big-plan-output.js";
import { exactly, type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { median, ms } from "./support/stats.js";

const SIZE = 10 * 1024 * 1024;
const MAX_COMMENTS = 10;

function timed<T>(fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  return { ms: performance.now() - t, value };
}

function medianTime<T>(reps: number, fn: () => T): { ms: number; value: T } {
  let value = fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const r = timed(fn);
    times.push(r.ms);
    value = r.value;
  }
  return { ms: median(times), value };
}

/** What "never fails" means here: a bounded set of comments, each within GitHub's limit, nothing secret or raw left. */
function problems(bodies: string[]): string[] {
  const found: string[] = [];
  if (bodies.length < 1 || bodies.length > MAX_COMMENTS) found.push(`${bodies.length} comments`);
  for (const [i, b] of bodies.entries()) {
    if (b.length > MAX_COMMENT) found.push(`comment ${i + 1} has ${b.length} characters`);
    if (b.includes(SECRET) || b.includes(TOKEN)) found.push(`comment ${i + 1} shows a secret`);
    if (/[\x1b\u202e\u200b]/.test(b)) found.push(`comment ${i + 1} keeps control characters`);
  }
  return found;
}

/**
 * Figure 5: a 10 MB plan output redacted, rendered and split into comments (renderComments, as
 * the app calls it: secrets registered, max_comments 10). Three shapes of output; baselines on the
 * same text: stripControl alone and a plain split/join copy.
 */
export async function rendering(opts: BenchOptions): Promise<Figure[]> {
  const reps = opts.quick ? 3 : 7;
  const plan = realisticPlan(SIZE);
  const shapes: { name: string; text: string; addresses: string[] }[] = [
    { name: "plan text", text: plan.text, addresses: plan.addresses },
    { name: "one 10 MB line", text: singleLine(SIZE), addresses: ["terraform_data.x"] },
    { name: "hostile text", text: hostile(SIZE), addresses: ["terraform_data.x"] },
  ];
  const redact = createRedactor({ secrets: [TOKEN, SECRET] });
  const figures: Figure[] = [];
  let failures = 0;
  const notes: string[] = [];
  for (const shape of shapes) {
    const result: ProjectResult = {
      project: { name: "big", dir: "big", workspace: "default", runner: "terraform" },
      status: "planned",
      summary: summaryOf(shape.addresses),
      output: shape.text,
      durationMs: 1234,
    };
    const input = { jobId: "42", command: "plan" as const, state: "done" as const, headSha: "0123456789abcdef", triggerText: "autoplan", triggerUser: "alice", results: [result] };
    let bodies: string[] = [];
    let render: { ms: number; value: string[] };
    try {
      render = medianTime(reps, () => renderComments(input, redact, { maxComments: MAX_COMMENTS }));
      bodies = render.value;
    } catch (e) {
      failures++;
      notes.push(`${shape.name}: threw ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const bad = problems(bodies);
    if (bad.length) {
      failures++;
      notes.push(`${shape.name}: ${bad.join("; ")}`);
    }
    const strip = medianTime(reps, () => stripControl(shape.text));
    const copy = medianTime(reps, () => shape.text.split("\n").join("\n"));
    figures.push(
      figure(`rendering.10 MB ${shape.name}`, render.ms, "ms", { max: 500, strict: true, label: "< 500 ms" }, `stripControl ${ms(strip.ms)}; split/join copy ${ms(copy.ms)}; ${bodies.length} comments`),
    );
  }
  figures.push(exactly("rendering.failures", failures, `of ${shapes.length}`, 0, notes.length ? notes.join(" | ") : "every comment ≤ 65,536 chars, ≤ 10 comments, no secret, no control chars"));
  return figures;
}

runIfMain(import.meta.url, rendering);
