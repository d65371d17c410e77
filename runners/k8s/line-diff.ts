/** One line of an edit script: kept (" "), removed ("-") or added ("+"). */
export interface LineEdit {
  op: " " | "-" | "+";
  line: string;
}

/**
 * Past this many differences the middle is reported as "all removed, all added" instead of searched
 * for common lines: Myers' memory grows with the square of the edit distance, and a diff that large
 * is read as "rewritten" anyway.
 */
const MAX_EDIT_DISTANCE = 2000;

/** Shortest edit script between two line lists (Myers, O((N+M)·D)), common prefix and suffix trimmed first. */
export function diffLines(a: readonly string[], b: readonly string[]): LineEdit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const keep = (lines: readonly string[]): LineEdit[] => lines.map((line) => ({ op: " ", line }));
  return [...keep(a.slice(0, start)), ...myers(a.slice(start, endA), b.slice(start, endB)), ...keep(a.slice(endA))];
}

function myers(a: readonly string[], b: readonly string[]): LineEdit[] {
  const n = a.length;
  const m = b.length;
  const removeAll = (): LineEdit[] => [
    ...a.map((line): LineEdit => ({ op: "-", line })),
    ...b.map((line): LineEdit => ({ op: "+", line })),
  ];
  if (n === 0 || m === 0) return removeAll();
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  // trace[d][k + d] = furthest x on diagonal k after d edits.
  const trace: Int32Array[] = [];
  let previous = new Int32Array(1);
  for (let d = 0; d <= max; d++) {
    const current = new Int32Array(2 * d + 1);
    const at = (v: Int32Array, dd: number, k: number) => v[k + dd] ?? 0;
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (d === 0) x = 0;
      else if (k === -d || (k !== d && at(previous, d - 1, k - 1) < at(previous, d - 1, k + 1))) x = at(previous, d - 1, k + 1);
      else x = at(previous, d - 1, k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      current[k + d] = x;
      if (x >= n && y >= m) {
        trace.push(current);
        return backtrack(trace, a, b);
      }
    }
    trace.push(current);
    previous = current;
  }
  return removeAll();
}

function backtrack(trace: readonly Int32Array[], a: readonly string[], b: readonly string[]): LineEdit[] {
  const out: LineEdit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1] as Int32Array;
    const at = (k: number) => prev[k + d - 1] ?? 0;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: " ", line: a[--x] ?? "" });
      y--;
    }
    if (down) out.push({ op: "+", line: b[--y] ?? "" });
    else out.push({ op: "-", line: a[--x] ?? "" });
  }
  while (x > 0 && y > 0) {
    out.push({ op: " ", line: a[--x] ?? "" });
    y--;
  }
  return out.reverse();
}

/** Lines of a text without the trailing newline's empty last entry. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** `@@ -a,n +b,m @@` hunks with `context` lines around each change; "" when the texts are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const edits = diffLines(splitLines(before), splitLines(after));
  const changed = edits.flatMap((e, i) => (e.op === " " ? [] : [i]));
  if (changed.length === 0) return "";
  // Group changes whose gap is small enough that their contexts touch.
  const groups: [number, number][] = [];
  for (const i of changed) {
    const last = groups[groups.length - 1];
    if (last && i - last[1] <= 2 * context + 1) last[1] = i;
    else groups.push([i, i]);
  }
  // Line numbers (0-based) in a and b at the start of each edit.
  const aAt: number[] = [];
  const bAt: number[] = [];
  let ai = 0;
  let bi = 0;
  for (const e of edits) {
    aAt.push(ai);
    bAt.push(bi);
    if (e.op !== "+") ai++;
    if (e.op !== "-") bi++;
  }
  const out: string[] = [];
  for (const [first, last] of groups) {
    const from = Math.max(0, first - context);
    const to = Math.min(edits.length - 1, last + context);
    const slice = edits.slice(from, to + 1);
    const aLen = slice.filter((e) => e.op !== "+").length;
    const bLen = slice.filter((e) => e.op !== "-").length;
    const aStart = (aAt[from] ?? 0) + (aLen > 0 ? 1 : 0);
    const bStart = (bAt[from] ?? 0) + (bLen > 0 ? 1 : 0);
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const e of slice) out.push(`${e.op}${e.line}`);
  }
  return `${out.join("\n")}\n`;
}
