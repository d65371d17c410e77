/** One measured figure, printed as one line and written as one table row. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The target as written in the issue, e.g. "≤ 1.15" or "< 200 ms"; "-" when there is none. */
  target: string;
  /** PASS/MISS against the target; INFO when the figure has no target. */
  verdict: "PASS" | "MISS" | "INFO";
  /** What the value was compared with, measured in the same run. */
  baseline: string;
  /** 1-minute load average when the figure was taken (set by run-all), to judge noise. */
  load?: number;
  /**
   * The run-to-run noise this run measured for the figure, as a fraction of its value (the spread
   * of its paired ratios); a miss within it is not counted as a regression by `npm run bench`.
   */
  noise?: number;
  /** The bound the verdict was checked against, for the noise rule. */
  bound?: { max?: number; min?: number };
}

/** A figure checked against an upper bound (`strict`: value < bound, else value ≤ bound). */
export function figure(
  name: string,
  value: number,
  unit: string,
  bound: { max: number; strict?: boolean; label: string } | undefined,
  baseline: string,
): Figure {
  if (!bound) return { name, value, unit, target: "-", verdict: "INFO", baseline };
  const ok = Number.isFinite(value) && (bound.strict ? value < bound.max : value <= bound.max);
  return { name, value, unit, target: bound.label, verdict: ok ? "PASS" : "MISS", baseline, bound: { max: bound.max } };
}

/** A figure checked against a lower bound (value ≥ min), e.g. a speed-up. */
export function atLeast(name: string, value: number, unit: string, min: number, baseline: string): Figure {
  const ok = Number.isFinite(value) && value >= min;
  return { name, value, unit, target: `≥ ${min}`, verdict: ok ? "PASS" : "MISS", baseline, bound: { min } };
}

/** A figure that must equal `expected` exactly (counts: acknowledged deliveries, jobs). */
export function exactly(name: string, value: number, unit: string, expected: number, baseline: string): Figure {
  return { name, value, unit, target: `= ${expected}`, verdict: value === expected ? "PASS" : "MISS", baseline };
}

/**
 * A miss by more than the noise its run measured: the value is past its bound even when moved
 * toward it by that noise. A figure with no noise measured misses beyond it at any distance.
 */
export function missedBeyondNoise(f: Figure): boolean {
  if (f.verdict !== "MISS") return false;
  if (!Number.isFinite(f.value)) return true;
  const slack = Math.abs(f.value) * (f.noise ?? 0);
  if (f.bound?.max !== undefined) return f.value - slack > f.bound.max;
  if (f.bound?.min !== undefined) return f.value + slack < f.bound.min;
  return true;
}

/** Rounds for display: 3 significant digits below 100, integers above. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/** `name  value unit  target  baseline(...)  VERDICT` */
export function formatFigure(f: Figure): string {
  const noise = f.noise ? ` ±${Math.round(f.noise * 100)} %` : "";
  return `${f.name.padEnd(34)}  ${`${formatValue(f.value)} ${f.unit}${noise}`.padEnd(12)}  target ${f.target.padEnd(9)}  baseline(${f.baseline})  ${f.verdict}`;
}
