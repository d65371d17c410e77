import { cpus, tmpdir } from "node:os";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { exec } from "../runners/exec.js";
import { createSandbox } from "../runners/sandbox/sandbox.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Comparison, compareWithShell } from "./support/compare-with-shell.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { startBenchApp } from "./support/start-bench-app.js";
import { median, ms, sec } from "./support/stats.js";
import { flatChange, flatRepo, projectName } from "./support/tf-repo-files.js";

/**
 * What the sandbox costs. (1) Per spawn: the same command through exec() directly and inside the
 * sandbox (bwrap with every mount a run gets, prlimit, the limit watch), interleaved, medians.
 * (2) The overhead figures (N projects through the app vs plan-all.sh) with the sandbox on and
 * with `sandbox: off`, each against its own shell baseline measured in the same run.
 */
export async function sandboxCost(opts: BenchOptions): Promise<Figure[]> {
  return [...(await perSpawn(opts)), ...(await overheadOnOff(opts))];
}

async function perSpawn(opts: BenchOptions): Promise<Figure[]> {
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-sbx-"));
  try {
    const sandbox = await createSandbox(
      {
        mode: "on",
        bwrapPath: process.env.SLUICE_BWRAP_PATH || "bwrap",
        paths: [],
        limits: { memoryBytes: 4 * 1024 ** 3, processes: 2048, fileSizeBytes: 2 * 1024 ** 3 },
        readOnlyFiles: [],
        toolBinaries: ["terraform"],
      },
      exec,
    );
    if (sandbox.status.mode !== "on" || !sandbox.status.ok) throw new Error(`the sandbox cannot start: ${JSON.stringify(sandbox.status)}`);
    const sandboxed = sandbox.execFor({ writable: [work], readable: [], network: "on" });
    if (!sandboxed.ok) throw new Error(sandboxed.reason);
    const figures: Figure[] = [];
    const reps = opts.quick ? 20 : 100;
    for (const [label, file, args] of [
      ["true", "true", []],
      ["terraform version", "terraform", ["version"]],
    ] as const) {
      const direct: number[] = [];
      const inside: number[] = [];
      const once = async (run: typeof exec, into: number[]) => {
        const t0 = performance.now();
        const r = await run(file, [...args], { cwd: work });
        if (r.exitCode !== 0) throw new Error(`${file} exited ${r.exitCode}: ${r.stderr}`);
        into.push(performance.now() - t0);
      };
      await once(exec, []);
      await once(sandboxed.exec, []);
      for (let i = 0; i < reps; i++) {
        // Alternating order, so drift in machine load hits both sides alike.
        if (i % 2 === 0) {
          await once(exec, direct);
          await once(sandboxed.exec, inside);
        } else {
          await once(sandboxed.exec, inside);
          await once(exec, direct);
        }
      }
      const cost = median(inside) - median(direct);
      figures.push(
        figure(
          `sandbox.cost per spawn (${label})`,
          cost,
          "ms",
          { max: 20, label: "≤ 20 ms" },
          `direct ${ms(median(direct))}, sandboxed ${ms(median(inside))}, median of ${reps}`,
        ),
      );
    }
    return figures;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function overheadOnOff(opts: BenchOptions): Promise<Figure[]> {
  const sizes = opts.quick ? [20] : [20, 100];
  const reps = opts.quick ? 1 : 3;
  const parallel = cpus().length;
  const figures: Figure[] = [];
  // Both apps up at once, and each N measured on and off back to back: the machine's drift over
  // the minutes of a run falls on both sides alike.
  const apps = {
    on: await startBenchApp({ serverConfig: `parallel: ${parallel}\nsandbox: on\n` }),
    off: await startBenchApp({ serverConfig: `parallel: ${parallel}\nsandbox: off\n` }),
  };
  try {
    for (const n of sizes) {
      const runs = new Map<string, Comparison>();
      for (const mode of ["on", "off"] as const) {
        const app = apps[mode];
        console.error(`sandbox: overhead N=${n} with sandbox ${mode}, parallel ${parallel}, ${reps} run(s) per side after a warm-up`);
        const repo = await app.sim.createRepo({ owner: "acme", name: `sandbox-${mode}-${n}`, files: flatRepo(n) });
        const dirs = Array.from({ length: n }, (_, i) => projectName(i));
        const planOf = (count: number) => (tag: string) => ({
          files: flatChange(count, tag),
          dirs: dirs.slice(0, count),
          expectTitle: `+${2 * count} ~0 -0 in ${count} ${count === 1 ? "project" : "projects"}`,
        });
        const c = await compareWithShell(app, repo, {
          label: `${mode}${n}`,
          reps,
          parallel,
          change: planOf(n),
          warmChange: planOf(Math.min(n, 20)),
        });
        runs.set(mode, c);
        figures.push(
          figure(
            `sandbox.overhead N=${n} sandbox ${mode}`,
            c.ratio,
            "x",
            undefined,
            `shell ${sec(c.shellMs)}, app ${sec(c.appMs)}, median of ${reps}, parallel ${parallel}`,
          ),
        );
      }
      const on = runs.get("on") as Comparison;
      const off = runs.get("off") as Comparison;
      // "Unchanged within noise": the app with the sandbox at most 5 % slower than without, on the
      // same plans. Compared app to app: each shell baseline moves by ±5-10 % run to run, and a
      // ratio of two ratios carries both of them.
      figures.push(
        figure(
          `sandbox.overhead N=${n} on/off`,
          on.appMs / off.appMs,
          "x",
          { max: 1.05, label: "≤ 1.05" },
          `app on ${sec(on.appMs)} / off ${sec(off.appMs)} (medians); vs shell ${on.ratio.toFixed(3)} / ${off.ratio.toFixed(3)}`,
        ),
      );
    }
  } finally {
    await apps.on.stop();
    await apps.off.stop();
  }
  return figures;
}

runIfMain(import.meta.url, sandboxCost);
