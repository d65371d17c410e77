import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type BenchOptions, benchOptions } from "./bench-options.js";
import { type Figure, formatFigure } from "./figure.js";

/** Lets each benchmark file run on its own (`npx tsx bench/x.ts [--quick]`) and be imported by run-all. */
export function runIfMain(metaUrl: string, bench: (opts: BenchOptions) => Promise<Figure[]>): void {
  const entry = process.argv[1];
  if (!entry || realpathSync(entry) !== realpathSync(fileURLToPath(metaUrl))) return;
  bench(benchOptions()).then(
    (figures) => {
      for (const f of figures) console.log(formatFigure(f));
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exit(1);
    },
  );
}
