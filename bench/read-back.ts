import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec } from "../runners/exec.js";
import { createSandbox } from "../runners/sandbox/sandbox.js";
import { priorState, pullState } from "../runners/terraform/state-read-back.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { median, ms, pairedRatio } from "./support/stats.js";

const RESOURCES = 20;
const project = (round: number) =>
  `resource "terraform_data" "r" {\n  count = ${RESOURCES}\n  input = "round-${round}-\${count.index}"\n}\n`;

/**
 * What reading the state back costs an apply (issue #44): the state before, read from the saved
 * plan, and the `terraform state pull` after (a fresh process in the sandbox a run gets), against
 * the `terraform apply` of the same saved plan, paired per apply. A project of 20 resources whose
 * every apply replaces their inputs, with a local state under a kept path.
 */
export async function readBack(opts: BenchOptions): Promise<Figure[]> {
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-readback-"));
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
    const run = sandbox.execFor({ writable: [work], readable: [], network: "none" });
    if (!run.ok) throw new Error(run.reason);
    const env = { TF_IN_AUTOMATION: "1", TF_DATA_DIR: join(work, ".tfdata"), PATH: process.env.PATH ?? "/usr/bin:/bin" };
    const at = { cwd: work, env, timeoutMs: 120_000 };
    const tf = async (args: string[]) => {
      const r = await run.exec("terraform", args, { ...at, redact: (t) => t });
      if (r.exitCode !== 0) throw new Error(`terraform ${args[0]} exited ${r.exitCode}: ${r.stderr || r.stdout}`);
    };
    await writeFile(join(work, "main.tf"), project(0));
    await tf(["init", "-input=false", "-no-color"]);
    const reps = opts.quick ? 5 : 20;
    const applies: number[] = [];
    const pulls: number[] = [];
    for (let round = 1; round <= reps + 1; round++) {
      await writeFile(join(work, "main.tf"), project(round));
      await tf(["plan", "-input=false", "-no-color", "-out", join(work, "plan.tfplan")]);
      const t0 = performance.now();
      const before = await priorState(join(work, "plan.tfplan"));
      const t1 = performance.now();
      await tf(["apply", "-input=false", "-no-color", join(work, "plan.tfplan")]);
      const t2 = performance.now();
      const after = await pullState(run.exec, "terraform", at);
      const t3 = performance.now();
      if (!before || "error" in after) throw new Error("the state could not be read back");
      if (after.serial <= before.serial) throw new Error(`the state did not move: serial ${before.serial} → ${after.serial}`);
      // The first round warms the provider and the page cache: not counted.
      if (round === 1) continue;
      applies.push(t2 - t1);
      pulls.push(t1 - t0 + (t3 - t2));
    }
    return [
      figure(
        "read-back.cost per apply",
        pairedRatio(pulls, applies),
        "×apply",
        // The cheapest apply there is (nothing but state to write): a real provider's takes seconds.
        { max: 1, label: "≤ 1" },
        `prior state + state pull ${ms(median(pulls))} vs apply ${ms(median(applies))} of ${RESOURCES} resources, median of ${reps} applies`,
      ),
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, readBack);
