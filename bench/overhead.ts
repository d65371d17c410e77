import { cpus } from "node:os";
import type { BenchOptions } from "./support/bench-options.js";
import { compareWithShell } from "./support/compare-with-shell.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { startBenchApp } from "./support/start-bench-app.js";
import { sec } from "./support/stats.js";
import { flatChange, flatRepo, projectName } from "./support/tf-repo-files.js";

/** Issue #17's targets (earlier ones were 1.15 and 1.10). */
const TARGETS: Record<number, { max: number; label: string }> = {
  20: { max: 1.1, label: "≤ 1.10" },
  100: { max: 1.05, label: "≤ 1.05" },
};

/**
 * Figure 1: N terraform_data projects changed in one PR, signed webhook → completed sluice/plan
 * check, against plan-all.sh running the same init/plan/show with the same parallelism.
 */
export async function overhead(opts: BenchOptions): Promise<Figure[]> {
  const sizes = opts.quick ? [1, 20] : [1, 20, 100];
  const reps = opts.quick ? 1 : 3;
  const parallel = cpus().length;
  const app = await startBenchApp({ serverConfig: `parallel: ${parallel}\n` });
  const figures: Figure[] = [];
  try {
    for (const n of sizes) {
      console.error(`overhead: N=${n}, parallel ${parallel}, ${reps} run(s) per side after a warm-up`);
      const repo = await app.sim.createRepo({ owner: "acme", name: `overhead-${n}`, files: flatRepo(n) });
      const dirs = Array.from({ length: n }, (_, i) => projectName(i));
      const planOf = (count: number) => (tag: string) => ({
        files: flatChange(count, tag),
        dirs: dirs.slice(0, count),
        expectTitle: `+${2 * count} ~0 -0 in ${count} ${count === 1 ? "project" : "projects"}`,
      });
      const c = await compareWithShell(app, repo, {
        label: `n${n}`,
        reps,
        parallel,
        change: planOf(n),
        warmChange: planOf(Math.min(n, 20)),
      });
      figures.push(
        figure(
          `overhead.ratio N=${n}`,
          c.ratio,
          "x",
          TARGETS[n],
          `shell ${sec(c.shellMs)}, app ${sec(c.appMs)}, median of ${reps}, parallel ${parallel}`,
        ),
      );
    }
  } finally {
    await app.stop();
  }
  return figures;
}

runIfMain(import.meta.url, overhead);
