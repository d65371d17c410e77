import { cpus } from "node:os";
import { nextRunAfter } from "../src/util/cron.js";
import type { BenchOptions } from "./support/bench-options.js";
import { cloneCheckout } from "./support/clone-checkout.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { runShellBaseline } from "./support/run-shell-baseline.js";
import { sampleMemory } from "./support/sample-memory.js";
import { startBenchApp } from "./support/start-bench-app.js";
import { mb, ms, pairedNoise, pairedRatio, sec } from "./support/stats.js";
import { projectName } from "./support/tf-repo-files.js";

/** A project in line with git from the start: init, plan and show all run, the plan has no changes. */
const inLine = (name: string) => `terraform {}\n\nlocals {\n  name = "${name}"\n}\n`;

/**
 * Pull mode: a scheduled drift check of N projects (init + plan + show of each at the default
 * branch head), timed from the schedule's due time to the completed `sluice/drift` check, against
 * plan-all.sh over a checkout of the same commit with the same parallelism. Also: the app's peak
 * RSS during the check, and how long after the due time the check started planning.
 */
export async function drift(opts: BenchOptions): Promise<Figure[]> {
  const n = opts.quick ? 40 : 200;
  const parallel = cpus().length;
  // The server schedules nothing by itself; each run's schedule comes from the repo config below.
  const app = await startBenchApp({ serverConfig: `parallel: ${parallel}\ndrift:\n  schedule: "0 0 1 1 *"\nallowed_overrides: [drift]\n` });
  try {
    const files: Record<string, string> = { "README.md": "# bench\n" };
    for (let i = 0; i < n; i++) files[`${projectName(i)}/main.tf`] = inLine(projectName(i));
    const repo = await app.sim.createRepo({ owner: "acme", name: `drift-${n}`, files });
    const checks = () => app.sim.checkRuns(repo).filter((c) => c.name === "sluice/drift");
    const calls = () => app.sim.calls.filter((c) => c.path.startsWith(`/repos/${repo.fullName}/check-runs`));

    /** Schedules a run a few seconds ahead (through the repo config and a push) and times it. */
    const scheduledRun = async (tag: string) => {
      // Second S of minute M of every hour: due once, 8 s from now, and not again during the bench.
      const at = new Date(Date.now() + 8_000);
      const cron = `${at.getUTCSeconds()} ${at.getUTCMinutes()} * * * *`;
      const before = checks().length;
      const callsBefore = calls().length;
      const pushedAt = Date.now();
      const push = await app.sim.pushDefaultBranch(repo, { ".sluice.yaml": `version: 1\ndrift:\n  schedule: "${cron}"\n# ${tag}\n` });
      const due = nextRunAfter(cron, pushedAt) ?? 0;
      const memory = sampleMemory(app.pid);
      await app.sim.waitFor(() => checks().filter((c) => c.head_sha === push.sha && c.status === "completed").length > 0, {
        timeoutMs: 20 * 60_000,
        message: `no drift check of ${n} projects: ${app.tail()}`,
      });
      const peakMb = memory.stop();
      const mine = calls().slice(callsBefore);
      const created = mine.find((c) => c.method === "POST");
      const completed = mine.find((c) => c.method === "PATCH" && (c.body as { status?: string } | undefined)?.status === "completed");
      if (!created || !completed) throw new Error("check calls not found");
      const check = checks()
        .slice(before)
        .find((c) => c.head_sha === push.sha);
      if (check?.conclusion !== "success")
        throw new Error(`drift check ended ${check?.conclusion}: ${check?.output.summary?.slice(0, 500)}`);
      return { wallMs: completed.at - due, startMs: created.at - due, peakMb, sha: push.sha };
    };

    console.error(`drift: N=${n}, parallel ${parallel}: warm-up run`);
    const warm = await scheduledRun("warm");
    console.error(`  warm-up: ${sec(warm.wallMs)}, planning started ${ms(warm.startMs)} after the due time`);
    // Adjacent pairs, the shell first in one and second in the next: a single pair on a busy
    // machine moved this ratio by a sixth between two runs of the same code.
    const rounds = opts.quick ? 2 : 3;
    const appMs: number[] = [];
    const shellMs: number[] = [];
    const starts = [warm.startMs];
    let peakMb = 0;
    const checkout = await cloneCheckout(repo.dir, warm.sha);
    try {
      const dirs = Array.from({ length: n }, (_, i) => projectName(i));
      await runShellBaseline(checkout.dir, dirs.slice(0, 20), parallel);
      for (let round = 0; round < rounds; round++) {
        const shell = () => runShellBaseline(checkout.dir, dirs, parallel);
        const appRun = () => scheduledRun(`timed ${round}`);
        let timed: Awaited<ReturnType<typeof appRun>>;
        if (round % 2 === 0) {
          shellMs.push(await shell());
          timed = await appRun();
        } else {
          timed = await appRun();
          shellMs.push(await shell());
        }
        appMs.push(timed.wallMs);
        starts.push(timed.startMs);
        peakMb = Math.max(peakMb, timed.peakMb);
        console.error(
          `  round ${round + 1}: app ${sec(timed.wallMs)}, shell ${sec(shellMs[round] as number)}, planning started ${ms(timed.startMs)} after the due time, peak RSS ${mb(timed.peakMb)}`,
        );
      }
    } finally {
      await checkout.remove();
    }
    return [
      {
        ...figure(
          `drift.ratio N=${n}`,
          pairedRatio(appMs, shellMs),
          "x",
          { max: 1.15, label: "≤ 1.15" },
          `median of ${rounds} adjacent pairs: app ${appMs.map(sec).join(", ")} (due time → completed check) / shell ${shellMs.map(sec).join(", ")}; parallel ${parallel}`,
        ),
        noise: pairedNoise(appMs, shellMs),
      },
      figure(
        `drift.tick-to-running N=${n}`,
        Math.max(...starts),
        "ms",
        { max: 1000, strict: true, label: "< 1 s" },
        `due time → sluice/drift check in progress (projects start planning), worst of ${starts.length} runs`,
      ),
      figure(`drift.peak-rss N=${n}`, peakMb, "MB", undefined, "the app process, highest of the timed checks"),
    ];
  } finally {
    await app.stop();
  }
}

runIfMain(import.meta.url, drift);
