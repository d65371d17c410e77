/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The median of run i of `a` over run i of `b`: runs made side by side, so the machine's drift falls on both. */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((t, i) => t / (b[i] as number)));
}

/**
 * How far run-to-run noise moves a paired ratio, as a fraction of it: half the spread of the
 * pairs' ratios over their median (0 with fewer than two pairs: nothing measured it).
 */
export function pairedNoise(a: readonly number[], b: readonly number[]): number {
  const ratios = a.map((t, i) => t / (b[i] as number));
  if (ratios.length < 2) return 0;
  return (Math.max(...ratios) - Math.min(...ratios)) / 2 / median(ratios);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] as number;
}

export const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
export const sec = (x: number) => `${(x / 1000).toFixed(2)} s`;
export const mb = (x: number) => `${x.toFixed(0)} MB`;
