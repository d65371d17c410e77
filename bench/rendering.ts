import { spawn } from "node:child_process";
import { join } from "node:path";
import type { BenchOptions } from "./support/bench-options.js";
import { exactly, type Figure, figure } from "./support/figure.js";
import type { ShapeEvent } from "./support/measure-shape.js";
import { RENDER_SHAPES, type RenderShape } from "./support/render-shapes.js";
import { runIfMain } from "./support/run-if-main.js";
import { median, ms } from "./support/stats.js";

/** Runs one shape in a child process (so a runaway render can be stopped) and collects its events. */
function runShape(name: string, shape: RenderShape, reps: number): Promise<{ events: ShapeEvent[]; killed: boolean; error: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), join(import.meta.dirname, "support/render-shape-child.ts"), name, String(reps)],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const events: ShapeEvent[] = [];
    let buffered = "";
    let error = "";
    let killed = false;
    child.stdout.on("data", (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as ShapeEvent);
    });
    child.stderr.on("data", (c: Buffer) => {
      error = (error + c.toString()).slice(-2_000);
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, shape.budgetMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve({ events, killed, error });
    });
  });
}

/**
 * Figure 5: a 10 MB output redacted, rendered and split into comments (renderComments as the app
 * calls it: the job's secrets registered, max_comments 10), for several shapes of output; each
 * shape in its own process with a time budget. Baselines on the same text: stripControl alone and
 * a plain split/join copy.
 */
export async function rendering(opts: BenchOptions): Promise<Figure[]> {
  const figures: Figure[] = [];
  const failures: string[] = [];
  const names = Object.keys(RENDER_SHAPES);
  for (const name of names) {
    const shape = RENDER_SHAPES[name] as RenderShape;
    const reps = opts.quick ? shape.reps.quick : shape.reps.full;
    console.error(`rendering: ${name}, ${reps} run(s)${shape.warmup ? " after a warm-up" : ""}, budget ${shape.budgetMs / 1000} s`);
    const { events, killed, error } = await runShape(name, shape, reps);
    const baseline = events.find((e) => e.kind === "baseline");
    const runs = events.filter((e) => e.kind === "run");
    const base = baseline ? `stripControl ${ms(baseline.stripMs)}; split/join copy ${ms(baseline.copyMs)}` : "no baseline";
    if (runs.length === 0) {
      failures.push(
        `${name}: ${killed ? `no render finished within ${shape.budgetMs / 1000} s` : `child failed: ${error.trim().split("\n").at(-1)}`}`,
      );
      figures.push(
        figure(
          `rendering.10 MB ${name}`,
          killed ? shape.budgetMs : Number.NaN,
          "ms",
          { max: 500, strict: true, label: "< 500 ms" },
          `${base}; ${killed ? "stopped at the budget" : "failed"}`,
        ),
      );
      continue;
    }
    const bad = runs.flatMap((r) => r.problems);
    if (bad.length) failures.push(`${name}: ${[...new Set(bad)].join("; ")}`);
    const value = median(runs.map((r) => r.ms));
    figures.push(
      figure(
        `rendering.10 MB ${name}`,
        value,
        "ms",
        { max: 500, strict: true, label: "< 500 ms" },
        `${base}; ${runs[0]?.comments} comments`,
      ),
    );
  }
  figures.push(
    exactly(
      "rendering.failed shapes",
      failures.length,
      `of ${names.length}`,
      0,
      failures.length ? failures.join(" | ") : "every render ≤ 10 comments of ≤ 65,536 chars, no secret, no control chars",
    ),
  );
  return figures;
}

runIfMain(import.meta.url, rendering);
