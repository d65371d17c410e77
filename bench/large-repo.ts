import { cpus } from "node:os";
import type { BenchOptions } from "./support/bench-options.js";
import { compareWithShell } from "./support/compare-with-shell.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { startBenchApp } from "./support/start-bench-app.js";
import { sparseCheckoutCost } from "./support/sparse-checkout-cost.js";
import { ms, sec } from "./support/stats.js";
import { largeChange, largeRepo } from "./support/tf-repo-files.js";

/**
 * Issue #17: the worktree of a PR touching 50 of 1,000 projects (20,000 files), sparse (tree read
 * included) against a full worktree of the same commit, both by the app's git adapter.
 */
export async function sparseCheckout(opts: BenchOptions): Promise<Figure[]> {
  const reps = opts.quick ? 1 : 3;
  console.error(`sparse checkout: 50 of 1,000 projects / 20,000 files, ${reps} run(s) per side`);
  const c = await sparseCheckoutCost(reps);
  return [
    figure(
      "large-repo.checkout sparse/full",
      c.sparseMs / c.fullMs,
      "x",
      undefined,
      `sparse ${ms(c.sparseMs)} (tree read + 50 dirs and their modules), full worktree ${ms(c.fullMs)}, median of ${reps}`,
    ),
    figure(
      "large-repo.sparse worktree copied by cp -r",
      c.copyMs,
      "ms",
      undefined,
      `its ${c.sparseFiles} files into a new dir of the same data dir, each right after removing one: what creating them costs on this disk at that moment (the sparse checkout: ${ms(c.sparseMs)}); median of ${reps}`,
    ),
  ];
}

/**
 * Issue 4: a PR touching 50 projects of the 1,000-project, 20,000-file repo, through the app,
 * against plan-all.sh planning the same 50 dirs with the same parallelism. Target: ≤ 1.3×.
 */
export async function largeRepoPlan(opts: BenchOptions): Promise<Figure[]> {
  const reps = opts.quick ? 1 : 5;
  const parallel = cpus().length;
  const compare = async (worktreesOnTmpfs: boolean) => {
    const app = await startBenchApp({ serverConfig: `parallel: ${parallel}\n`, worktreesOnTmpfs });
    try {
      const repo = await app.sim.createRepo({ owner: "acme", name: "monorepo", files: largeRepo() });
      return await compareWithShell(app, repo, {
        label: "large",
        reps,
        parallel,
        change: (tag) => ({ ...largeChange(50, tag), expectTitle: "+100 ~0 -0 in 50 projects" }),
        warmChange: (tag) => ({ ...largeChange(10, tag), expectTitle: "+20 ~0 -0 in 10 projects" }),
      });
    } finally {
      await app.stop();
    }
  };
  console.error(`large repo: 1,000 projects / 20,000 files, PR touching 50, ${reps} run(s) per side after a warm-up`);
  const c = await compare(false);
  console.error("the same, SLUICE_WORKTREE_DIR on /dev/shm (a tmpfs)");
  const t = await compare(true);
  return [
    {
      ...figure(
        "large-repo.ratio 50 of 1000",
        c.ratio,
        "x",
        { max: 1.3, label: "≤ 1.3" },
        `shell's plans ${sec(c.shellMs)}, app ${sec(c.appMs)} (medians); ratio: median of ${reps} adjacent app/shell pairs, parallel ${parallel}`,
      ),
      noise: c.noise,
    },
    figure(
      "large-repo.ratio 50 of 1000, shell with its clone",
      c.ratioWithClone,
      "x",
      undefined,
      `issue #45's wording: a fresh clone of the 20,000 files, then the plans: ${sec(c.shellWithCloneMs)} (the plans' median and one clone timed after the pairs; a clone takes 1-17 s on this disk)`,
    ),
    {
      ...figure(
        "large-repo.ratio 50 of 1000, worktrees on tmpfs",
        t.ratio,
        "x",
        undefined,
        `SLUICE_WORKTREE_DIR on /dev/shm: shell's plans ${sec(t.shellMs)}, app ${sec(t.appMs)} (medians); median of ${reps} adjacent app/shell pairs, parallel ${parallel}`,
      ),
      noise: t.noise,
    },
  ];
}

runIfMain(import.meta.url, async (opts) => [...(await sparseCheckout(opts)), ...(await largeRepoPlan(opts))]);
