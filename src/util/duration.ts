const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 24 * 3600e3 };

/** `90s`, `30m`, `72h`, `7d` in milliseconds; undefined for anything else (zero included). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2]] ?? 0);
  return ms > 0 ? ms : undefined;
}

/** The largest whole unit: 259200000 -> `3d`, 5400000 -> `90m`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", UNIT_MS.d],
    ["h", UNIT_MS.h],
    ["m", UNIT_MS.m],
    ["s", UNIT_MS.s],
  ] as const) {
    if (size && ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.max(0, Math.round(ms))}ms`;
}
