import { cpus, tmpdir } from "node:os";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { exec } from "../runners/exec.js";
import { createSandbox } from "../runners/sandbox/sandbox.js";
import type { BenchOptions } from "./support/bench-options.js";
import { cloneCheckout } from "./support/clone-checkout.js";
import { planThroughApp } from "./support/plan-through-app.js";
import { runShellBaseline } from "./support/run-shell-baseline.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { startBenchApp } from "./support/start-bench-app.js";
import { median, ms, pairedNoise, pairedRatio, sec } from "./support/stats.js";
import { flatChange, flatRepo, projectName } from "./support/tf-repo-files.js";

/**
 * What the sandbox costs. (1) Per spawn: the same command through exec() directly and inside the
 * sandbox (bwrap with every mount a run gets, prlimit, the limit watch), interleaved, medians.
 * (2) The overhead figures (N projects through the app vs plan-all.sh) with the sandbox on and
 * with `sandbox: off`, their runs interleaved with each other and with the shell baseline.
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
  const reps = opts.quick ? 1 : 5;
  const parallel = cpus().length;
  const figures: Figure[] = [];
  // Both apps up at once, and their runs interleaved (on, off, shell; then off, on, shell; …): the
  // machine's drift over the minutes of a run falls on both sides alike.
  const apps = {
    on: await startBenchApp({ serverConfig: `parallel: ${parallel}\nsandbox: on\n` }),
    off: await startBenchApp({ serverConfig: `parallel: ${parallel}\nsandbox: off\n` }),
  };
  try {
    for (const n of sizes) {
      console.error(
        `sandbox: overhead N=${n} with the sandbox on and off, parallel ${parallel}, ${reps} interleaved run(s) after a warm-up`,
      );
      const title = (count: number) => `+${2 * count} ~0 -0 in ${count} ${count === 1 ? "project" : "projects"}`;
      const dirs = Array.from({ length: n }, (_, i) => projectName(i));
      const repos = {
        on: await apps.on.sim.createRepo({ owner: "acme", name: `sandbox-on-${n}`, files: flatRepo(n) }),
        off: await apps.off.sim.createRepo({ owner: "acme", name: `sandbox-off-${n}`, files: flatRepo(n) }),
      };
      const viaApp = (mode: "on" | "off", tag: string, count = n) =>
        planThroughApp(apps[mode], repos[mode], { branch: `${mode}${n}-${tag}`, files: flatChange(count, tag), expectTitle: title(count) });
      const warm = Math.min(n, 20);
      await viaApp("on", "warm", warm);
      await viaApp("off", "warm", warm);
      const times = { on: [] as number[], off: [] as number[], shell: [] as number[] };
      let checkout: Awaited<ReturnType<typeof cloneCheckout>> | undefined;
      try {
        for (let r = 0; r < reps; r++) {
          for (const mode of r % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const)) {
            const run = await viaApp(mode, `r${r}`);
            times[mode].push(run.ms);
            if (!checkout) {
              checkout = await cloneCheckout(repos[mode].dir, run.headSha);
              await runShellBaseline(checkout.dir, dirs.slice(0, warm), parallel);
            }
          }
          times.shell.push(await runShellBaseline((checkout as { dir: string }).dir, dirs, parallel));
          console.error(
            `  n${n} run ${r + 1}/${reps}: app on ${times.on[r]} ms, off ${times.off[r]} ms, shell ${Math.round(times.shell[r] as number)} ms`,
          );
        }
      } finally {
        await checkout?.remove();
      }
      const [on, off, shell] = [median(times.on), median(times.off), median(times.shell)];
      // Run for run, as compareWithShell pairs them: each on-run against the off-run beside it.
      const pairs = pairedRatio(times.on, times.off);
      for (const [mode, appMs] of [
        ["on", on],
        ["off", off],
      ] as const) {
        figures.push(
          figure(
            `sandbox.overhead N=${n} sandbox ${mode}`,
            appMs / shell,
            "x",
            undefined,
            `shell ${sec(shell)}, app ${sec(appMs)}, median of ${reps}, parallel ${parallel}`,
          ),
        );
      }
      // "Unchanged within noise": the app with the sandbox at most 5 % slower than without, on the
      // same plans, run for run (not a ratio of two shell ratios, which carries the shell's ±5-10 % twice).
      figures.push({
        ...figure(
          `sandbox.overhead N=${n} on/off`,
          pairs,
          "x",
          { max: 1.05, label: "≤ 1.05" },
          `app on ${sec(on)} / off ${sec(off)} (medians); ratio: median of ${reps} adjacent on/off pairs`,
        ),
        noise: pairedNoise(times.on, times.off),
      });
    }
  } finally {
    await apps.on.stop();
    await apps.off.stop();
  }
  return figures;
}

runIfMain(import.meta.url, sandboxCost);
