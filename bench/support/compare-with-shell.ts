import type { SimRepo } from "../../test/simulator/github-simulator.js";
import { cloneCheckout } from "./clone-checkout.js";
import { type AppPlanRun, planThroughApp } from "./plan-through-app.js";
import { runShellBaseline } from "./run-shell-baseline.js";
import type { BenchApp } from "./start-bench-app.js";
import { median } from "./stats.js";

export interface Comparison {
  appMs: number;
  shellMs: number;
  ratio: number;
  appRuns: AppPlanRun[];
  shellRuns: number[];
}

/**
 * The same plans through the app (a PR) and through plan-all.sh (a checkout of the same commit),
 * one warm-up each, then `reps` timed runs per side in alternating order; medians.
 */
export async function compareWithShell(
  app: BenchApp,
  repo: SimRepo,
  opts: {
    label: string;
    reps: number;
    parallel: number;
    /** The PR's files for run `tag`, the dirs it should plan, and the check title to expect. */
    change: (tag: string) => { files: Record<string, string>; dirs: string[]; expectTitle: string };
  },
): Promise<Comparison> {
  const viaApp = (tag: string) => {
    const c = opts.change(tag);
    return planThroughApp(app, repo, { branch: `${opts.label}-${tag}`, files: c.files, expectTitle: c.expectTitle });
  };
  const warm = await viaApp("warm");
  const { dirs } = opts.change("warm");
  const checkout = await cloneCheckout(repo.dir, warm.headSha);
  try {
    const viaShell = () => runShellBaseline(checkout.dir, dirs, opts.parallel);
    await viaShell();
    const appRuns: AppPlanRun[] = [];
    const shellRuns: number[] = [];
    for (let r = 0; r < opts.reps; r++) {
      const appFirst = r % 2 === 0;
      if (appFirst) appRuns.push(await viaApp(`r${r}`));
      shellRuns.push(await viaShell());
      if (!appFirst) appRuns.push(await viaApp(`r${r}`));
      const last = appRuns.at(-1) as AppPlanRun;
      console.error(
        `  ${opts.label} run ${r + 1}/${opts.reps}: app ${last.ms} ms (fetched ${last.phases.fetched}, running at ${last.phases.toRunning}, planning ${last.phases.planning}, finishing ${last.phases.finishing}), shell ${Math.round(shellRuns.at(-1) as number)} ms`,
      );
    }
    const appMs = median(appRuns.map((r) => r.ms));
    const shellMs = median(shellRuns);
    return { appMs, shellMs, ratio: appMs / shellMs, appRuns, shellRuns };
  } finally {
    await checkout.remove();
  }
}
