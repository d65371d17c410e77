import { join } from "node:path";
import { dbPort } from "./db-port.js";
import { drift } from "./drift.js";
import { helmApply } from "./helm-apply.js";
import { consoleOverview } from "./console.js";
import { ingress } from "./ingress.js";
import { largeRepoPlan, sparseCheckout } from "./large-repo.js";
import { mapping } from "./mapping.js";
import { memory } from "./memory.js";
import { memoryAdmission } from "./memory-admission.js";
import { appCost, overhead } from "./overhead.js";
import { queueClaim } from "./queue-claim.js";
import { readBack } from "./read-back.js";
import { rendering } from "./rendering.js";
import { replicaThroughput } from "./replicas.js";
import { sandboxCost } from "./sandbox.js";
import { terragruntDiscovery } from "./terragrunt.js";
import { whichProjects } from "./which-projects.js";
import { type BenchOptions, benchOptions } from "./support/bench-options.js";
import { type Figure, formatFigure, missedBeyondNoise } from "./support/figure.js";
import { goalsTable } from "./support/goals.js";
import { load1, machineInfo } from "./support/machine-info.js";
import { writeResults } from "./support/write-results.js";
import { errorMessage } from "../src/util/errors.js";

const BENCHES: [string, (opts: BenchOptions) => Promise<Figure[]>][] = [
  ["rendering", rendering],
  ["mapping", mapping],
  ["which-projects", whichProjects],
  ["terragrunt", terragruntDiscovery],
  ["ingress", ingress],
  ["overhead", overhead],
  ["app-cost", appCost],
  ["sparse-checkout", sparseCheckout],
  ["large-repo", largeRepoPlan],
  ["memory", memory],
  ["memory-admission", memoryAdmission],
  ["drift", drift],
  ["console", consoleOverview],
  ["sandbox", sandboxCost],
  ["read-back", readBack],
  ["helm-apply", helmApply],
  ["replicas", replicaThroughput],
  ["db-port", dbPort],
  ["queue-claim", queueClaim],
];

/** `npm run bench [-- --quick]`: every benchmark in turn, figures on stdout, bench/results/latest.md. */
async function main(): Promise<boolean> {
  const opts = benchOptions();
  const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const loadAtStart = load1();
  console.log(
    `# sluice bench${opts.quick ? " --quick" : ""}: ${machine.cpus} CPUs, node ${machine.node}, terraform ${machine.terraform}, load ${loadAtStart}`,
  );
  const figures: Figure[] = [];
  const errors: string[] = [];
  for (const [name, bench] of BENCHES) {
    if (only.length && !only.includes(name)) continue;
    try {
      const measured = await bench(opts);
      const load = load1();
      for (const f of measured) {
        f.load = load;
        figures.push(f);
        console.log(formatFigure(f));
      }
    } catch (e) {
      const message = `${name}: ${errorMessage(e)}`.slice(0, 2_000);
      errors.push(message);
      console.log(`${name.padEnd(34)}  ERROR  ${message}`);
    }
  }
  const minutes = (performance.now() - t0) / 60_000;
  // A subset's figures stay on stdout: latest.md is the last whole run, the one the docs cite.
  const whole = only.length === 0;
  if (whole) {
    const file = join(import.meta.dirname, "results", "latest.md");
    await writeResults(file, { startedAt, minutes, quick: opts.quick, machine, loadAtStart, loadAtEnd: load1(), figures, errors });
  }
  const missed = figures.filter((f) => f.verdict === "MISS").length;
  const beyondNoise = figures.filter(missedBeyondNoise);
  console.log(`\n${goalsTable(figures)}\n`);
  console.log(
    `# ${figures.length} figures, ${missed} missed (${beyondNoise.length} by more than their measured noise), ${errors.length} errors, ${minutes.toFixed(1)} min; ${whole ? "written to bench/results/latest.md" : "a subset: bench/results/latest.md left as it was"}`,
  );
  // The budget: a figure past its goal by more than the noise its run measured, or a benchmark
  // that could not finish, fails the run.
  return beyondNoise.length + errors.length === 0;
}

main().then(
  (kept) => process.exit(kept ? 0 : 1),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
