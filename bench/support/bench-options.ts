/** Command-line switches shared by every benchmark. */
export interface BenchOptions {
  /** A smaller, faster run: fewer repetitions and sizes, same figures where possible. */
  quick: boolean;
}

export function benchOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  return { quick: argv.includes("--quick") };
}
