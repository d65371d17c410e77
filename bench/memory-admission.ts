import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import PQueue from "p-queue";
import { exec } from "../runners/exec.js";
import { createMemoryBudget } from "../runners/memory-budget.js";
import { createSandbox } from "../runners/sandbox/sandbox.js";
import type { BenchOptions } from "./support/bench-options.js";
import { exactly, type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";

const MiB = 1024 ** 2;
const HOLD_MIB = 40;
const HOLD_S = 0.3;
const PARALLEL = 8;
const BUDGET = 200 * MiB;
/** A plan that holds a known amount of memory for a while, as a real plan's peak. */
const hog = ["-e", `my $x = "x" x (${HOLD_MIB} << 20); select(undef, undef, undef, ${HOLD_S}); print length($x)`];

/** The largest sum of peaks of runs that were under way at the same instant. */
function concurrentPeak(runs: readonly { start: number; end: number; peak: number }[]): number {
  const edges = runs.flatMap((r) => [
    { t: r.start, d: r.peak },
    { t: r.end, d: -r.peak },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}

/**
 * Admission by memory: N sandboxed runs that each hold a 40 MiB string (perl peaks at about twice
 * that), `parallel: 8` (which alone would let ~700 MiB run at once) under a 200 MiB budget. None may be killed, and what ran at once
 * (the measured peaks of overlapping runs, added up) must stay within the budget; the wall time
 * is set against the same commands run by `xargs -P 8` in the same run (no budget, no sandbox).
 */
export async function memoryAdmission(opts: BenchOptions): Promise<Figure[]> {
  const n = opts.quick ? 30 : 100;
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-mem-"));
  try {
    const sandbox = await createSandbox(
      {
        mode: "on",
        bwrapPath: process.env.SLUICE_BWRAP_PATH || "bwrap",
        paths: [],
        limits: { memoryBytes: 1024 * MiB, processes: 2048, fileSizeBytes: 1024 * MiB },
        readOnlyFiles: [],
        toolBinaries: [],
      },
      exec,
    );
    const made = sandbox.execFor({ writable: [work], readable: [], network: "none" });
    if (!made.ok) throw new Error(made.reason);
    const slots = new PQueue({ concurrency: PARALLEL });
    const budget = createMemoryBudget(BUDGET);
    const runs: { start: number; end: number; peak: number; killed: boolean }[] = [];
    let waited = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        slots.add(async () => {
          const release = await budget.admit({ project: `p${i}`, step: "perl -e" }, () => {
            waited++;
          });
          const start = performance.now();
          const r = await made.exec("perl", hog, { cwd: work });
          const end = performance.now();
          release(r.peakMemoryBytes);
          runs.push({ start, end, peak: r.peakMemoryBytes ?? 0, killed: r.exitCode !== 0 });
        }),
      ),
    );
    const admitted = (performance.now() - t0) / 1000;
    const s0 = performance.now();
    const script = `seq ${n} | xargs -P ${PARALLEL} -I{} perl ${hog.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ")} >/dev/null`;
    await promisify(execFile)("sh", ["-c", script]);
    const shell = (performance.now() - s0) / 1000;
    const peak = concurrentPeak(runs);
    const base = `${n} runs of ${HOLD_MIB} MiB for ${HOLD_S} s, parallel ${PARALLEL}, budget ${BUDGET / MiB} MiB`;
    return [
      exactly("memory-admission.runs killed", runs.filter((r) => r.killed).length, "runs", 0, base),
      figure(
        "memory-admission.held at once",
        peak / MiB,
        "MiB",
        { max: BUDGET / MiB, label: `≤ ${BUDGET / MiB}` },
        `${base}; ${waited} runs waited`,
      ),
      figure(
        "memory-admission.wall vs shell",
        admitted / shell,
        "x",
        undefined,
        `admitted ${admitted.toFixed(1)} s, xargs -P ${PARALLEL} ${shell.toFixed(1)} s (no budget, no sandbox)`,
      ),
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, memoryAdmission);
