/** Refusals are values: "needs 1 more approval" is an answer, not a fault. */
export type Decision = { allowed: true } | { allowed: false; reasons: string[] };

export const ALLOWED: Decision = { allowed: true };

export function refuse(...reasons: string[]): Decision {
  return { allowed: false, reasons };
}

export function combine(...decisions: Decision[]): Decision {
  const reasons = decisions.flatMap((d) => (d.allowed ? [] : d.reasons));
  return reasons.length ? { allowed: false, reasons } : ALLOWED;
}
