import { type Figure, formatValue, missedBeyondNoise } from "./figure.js";

/** Issue #45's table, row by row: the figure that measures each row, as the benchmarks name it. */
export const GOALS: { row: string; figure: string }[] = [
  { row: "plan overhead vs raw terraform, 20 projects", figure: "overhead.ratio N=20" },
  { row: "plan overhead vs raw terraform, 100 projects", figure: "overhead.ratio N=100" },
  { row: "webhook ack p99, 500 deliveries at 50 in flight, vs a trivial HMAC server", figure: "ingress.p99 ack vs trivial server" },
  { row: "peak RSS of the app's process tree during 100 plans", figure: "memory.peak RSS of the tree, 100 plans" },
  { row: "drift check of 200 projects vs a shell loop", figure: "drift.ratio N=200" },
  { row: "50 changed of 1,000 projects", figure: "large-repo.ratio 50 of 1000" },
  { row: "Terragrunt discovery, 6,000 units, first PR after a start", figure: "terragrunt.discover-6000-after-restart" },
  { row: "the same, nothing parsed before (a new server)", figure: "terragrunt.discover-6000-cold" },
  { row: "app cost per planned project (stand-in tool)", figure: "overhead.app cost per project" },
];

/** The goals table `npm run bench` ends with: each row's figure from this run, its goal and verdict. */
export function goalsTable(figures: readonly Figure[]): string {
  const lines = ["| Goal (issue #45) | This run | Goal | Result |", "| --- | --- | --- | --- |"];
  for (const goal of GOALS) {
    const f = figures.find((x) => x.name === goal.figure);
    if (!f) {
      lines.push(`| ${goal.row} | not run | - | - |`);
      continue;
    }
    const noise = f.noise ? ` ±${Math.round(f.noise * 100)} %` : "";
    const verdict = f.verdict === "MISS" ? (missedBeyondNoise(f) ? "MISS" : "miss within noise") : f.verdict;
    lines.push(`| ${goal.row} | ${formatValue(f.value)} ${f.unit}${noise} | ${f.target} | ${verdict} |`);
  }
  return lines.join("\n");
}
