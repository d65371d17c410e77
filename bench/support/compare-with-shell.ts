import type { SimRepo } from "../../test/simulator/github-simulator.js";
import { cloneCheckout } from "./clone-checkout.js";
import { type AppPlanRun, planThroughApp } from "./plan-through-app.js";
import { runShellBaseline } from "./run-shell-baseline.js";
import type { BenchApp } from "./start-bench-app.js";
import { median, pairedNoise, pairedRatio } from "./stats.js";

export interface Comparison {
  appMs: number;
  /** The plans alone, in a checkout made before the shell's clock started: the baseline of the goals. */
  shellMs: number;
  /**
   * Issue #45's wording of the baseline: a fresh clone of the PR's commit, then the plans. Kept
   * beside the goal, not as it: a clone of a large repo takes 1 to 17 s on this VM's disk (file
   * creation slows after churn), which would let the disk decide the ratio. The plans' median
   * plus one clone timed after the pairs.
   */
  shellWithCloneMs: number;
  /** The app's median against clone + plans. */
  ratioWithClone: number;
  /** The median of the pairs' ratios (app run i / shell run i). */
  ratio: number;
  /** Half the spread of the pairs' ratios, as a fraction of the median (pairedNoise). */
  noise: number;
}

export interface PlanChange {
  files: Record<string, string>;
  dirs: string[];
  expectTitle: string;
}

/** Warm-ups plan at most this many projects: they only have to fill caches, mirrors and the JIT. */
const WARM_PROJECTS = 20;

/**
 * The same plans through the app (a PR) and through plan-all.sh (a checkout of the same commit),
 * a warm-up each, then `reps` timed runs per side in alternating order (app first, then shell
 * first, …). The ratio is the median of each app run against the shell run beside it: the
 * machine's drift over the minutes of a benchmark (other work, the disk's phases) then falls on
 * both sides of each pair instead of on one side of a ratio of medians.
 */
export async function compareWithShell(
  app: BenchApp,
  repo: SimRepo,
  opts: {
    label: string;
    reps: number;
    parallel: number;
    /** The PR's files for run `tag`, the dirs it plans, and the check title to expect. */
    change: (tag: string) => PlanChange;
    /** A smaller change for the app's warm-up (default: `change`). */
    warmChange?: (tag: string) => PlanChange;
    /** Put first on the shell's PATH (the app's stand-in tool is its `terraform_binary`). */
    shellBinDir?: string;
  },
): Promise<Comparison> {
  const viaApp = (tag: string, c: PlanChange = opts.change(tag)) =>
    planThroughApp(app, repo, { branch: `${opts.label}-${tag}`, files: c.files, expectTitle: c.expectTitle });
  await viaApp("warm", (opts.warmChange ?? opts.change)("warm"));
  const appRuns: AppPlanRun[] = [await viaApp("r0")];
  const { dirs } = opts.change("r0");
  const headSha = (appRuns[0] as AppPlanRun).headSha;
  const checkout = await cloneCheckout(repo.dir, headSha);
  const shellPlans: number[] = [];
  const log = (r: number) => {
    const a = appRuns[r] as AppPlanRun;
    const p = a.phases;
    console.error(
      `  ${opts.label} run ${r + 1}/${opts.reps}: app ${a.ms} ms (git fetch done at ${p.fetched}, plans start at ${p.toRunning}, planning ${p.planning}, final check ${p.finishing}), shell's plans ${Math.round(shellPlans[r] as number)} ms`,
    );
  };
  try {
    await runShellBaseline(checkout.dir, dirs.slice(0, WARM_PROJECTS), opts.parallel, opts.shellBinDir);
    // The plans in the checkout made before (the goals' baseline). Not a clone of its own each
    // time: on this VM's ext4 a clone of the large repo, removed, left 20,000 recently deleted
    // inodes that the next files made anywhere on that disk paid for (the kernel skips them when
    // it looks for a free one), the app's next worktree among them: the baseline's churn slowed
    // the app's side (its time before the first plan 500 → 1,095 ms over five runs).
    const viaShell = async () => {
      const plans = await runShellBaseline(checkout.dir, dirs, opts.parallel, opts.shellBinDir);
      shellPlans.push(plans);
    };
    await viaShell();
    log(0);
    for (let r = 1; r < opts.reps; r++) {
      const appFirst = r % 2 === 0;
      if (appFirst) appRuns.push(await viaApp(`r${r}`));
      await viaShell();
      if (!appFirst) appRuns.push(await viaApp(`r${r}`));
      log(r);
    }
    const app = appRuns.map((r) => r.ms);
    // Issue #45's wording, after the pairs: one fresh clone (git's local clone of the simulator's
    // repo, the cheapest there is), timed, beside the plans' median.
    const started = performance.now();
    const fresh = await cloneCheckout(repo.dir, headSha);
    const shellWithCloneMs = median(shellPlans) + (performance.now() - started);
    await fresh.remove();
    return {
      appMs: median(app),
      shellMs: median(shellPlans),
      ratio: pairedRatio(app, shellPlans),
      noise: pairedNoise(app, shellPlans),
      shellWithCloneMs,
      ratioWithClone: median(app) / shellWithCloneMs,
    };
  } finally {
    await checkout.remove();
  }
}
