import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Figure, formatValue } from "./figure.js";
import { goalsTable } from "./goals.js";
import type { MachineInfo } from "./machine-info.js";

export interface RunRecord {
  startedAt: Date;
  minutes: number;
  quick: boolean;
  machine: MachineInfo;
  loadAtStart: number;
  loadAtEnd: number;
  figures: Figure[];
  errors: string[];
}

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

/** bench/results/latest.md: the table the README's Performance section is pasted from. */
export async function writeResults(file: string, run: RunRecord): Promise<void> {
  const m = run.machine;
  const lines = [
    "# Sluice benchmarks: latest run",
    "",
    `- Date: ${run.startedAt.toISOString().replace("T", " ").slice(0, 16)} UTC; \`npm run bench${run.quick ? " -- --quick" : ""}\` took ${run.minutes.toFixed(1)} min`,
    `- Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB RAM, ${m.kernel}; Node ${m.node}; Terraform ${m.terraform}`,
    `- Load average (1 min): ${run.loadAtStart} at start, ${run.loadAtEnd} at end; the Load column is the load when each benchmark ended. Wall-clock figures are only as quiet as the machine: on ${run.machine.cpus} CPUs, a load above ${run.machine.cpus} means other work competed with both the app and its baseline.`,
    "- Every baseline was measured in the same run, on the same machine state. ±N % after a value is the run-to-run noise that run measured (half the spread of its paired ratios); `npm run bench` exits non-zero when a figure misses its goal by more than that.",
    "",
    "## Issue #45's goals",
    "",
    goalsTable(run.figures),
    "",
    "## Every figure",
    "",
    "| Figure | Value | Target | Baseline (same run) | Result | Load |",
    "| --- | --- | --- | --- | --- | --- |",
    ...run.figures.map(
      (f) =>
        `| ${cell(f.name)} | ${formatValue(f.value)} ${cell(f.unit)}${f.noise ? ` ±${Math.round(f.noise * 100)} %` : ""} | ${cell(f.target)} | ${cell(f.baseline)} | ${f.verdict} | ${f.load ?? ""} |`,
    ),
  ];
  if (run.errors.length) lines.push("", "Benchmarks that could not finish:", "", ...run.errors.map((e) => `- ${cell(e)}`));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${lines.join("\n")}\n`);
}
