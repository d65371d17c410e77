/** A resource change's before / after, as `terraform show -json` gives them. */
interface Change {
  before?: unknown;
  after?: unknown;
  after_unknown?: unknown;
}

const asRecord = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * The top-level attributes an update or replace changes (before ≠ after, or known only after
 * apply), sorted. Names only, never values: the summary is stored and shown, and rules such as
 * `auto_approve: {when: [only_tags]}` read it after the plan's JSON is gone.
 */
export function changedAttributes(change: Change): string[] {
  const before = asRecord(change.before);
  const after = asRecord(change.after);
  const unknown = asRecord(change.after_unknown);
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  const out: string[] = [];
  for (const key of keys) {
    // A value known only after apply may well change: counted as a change, never as "same".
    if (unknown[key] !== undefined && unknown[key] !== false) out.push(key);
    else if (!sameValue(before[key], after[key])) out.push(key);
  }
  return out.sort();
}

/**
 * Equal as JSON. A value too deeply nested to serialize (show's JSON is the sandbox's output, and
 * JSON.parse builds any depth) counts as changed: a RangeError here failed the whole plan job.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
