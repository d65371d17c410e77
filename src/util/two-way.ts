/**
 * Finding one long string in another in time linear in both and constant space: the Two-Way
 * algorithm (Crochemore and Perrin, 1991), as glibc's and musl's memmem. For the secrets too long
 * for the redactor's trie: V8's indexOf compares a long needle again at nearly every position of a
 * text made to almost match it (a run of it with one character changed), so a pull request that
 * chose both a sensitive value and its output could keep the job thread searching for hours.
 */
export interface LongNeedle {
  text: string;
  /** The critical position: the needle is compared right of it first, then left. */
  ms: number;
  /** How far to move after the left half mismatches (the needle's period when periodic). */
  shift: number;
  /** Periodic: after such a move, this much of the needle is known to match already. */
  keep: number;
  /**
   * Per code unit's low byte, one past the last place in the needle of a code unit with that low
   * byte (0: none): the quick skip, as safe as per code unit, and 1 KiB a needle rather than 256.
   */
  last: Int32Array;
}

/** Pure: what the search needs of `needle` (at least one code unit), worked out once. */
export function longNeedle(needle: string): LongNeedle {
  const [ms1, p1] = maximalSuffix(needle, false);
  const [ms2, p2] = maximalSuffix(needle, true);
  const [ms, p] = ms2 > ms1 ? [ms2, p2] : [ms1, p1];
  const last = new Int32Array(256);
  for (let i = 0; i < needle.length; i++) last[needle.charCodeAt(i) & 255] = i + 1;
  // Periodic with period p: its part left of the critical position repeats p further on.
  if (needle.slice(0, ms + 1) === needle.slice(p, p + ms + 1)) return { text: needle, ms, shift: p, keep: needle.length - p, last };
  return { text: needle, ms, shift: Math.max(ms, needle.length - ms - 1) + 1, keep: 0, last };
}

/** The start (less one) and period of the needle's maximal suffix under one order of code units, or its reverse. */
function maximalSuffix(n: string, reversed: boolean): [number, number] {
  let ip = -1;
  let jp = 0;
  let k = 1;
  let p = 1;
  while (jp + k < n.length) {
    const a = n.charCodeAt(ip + k);
    const b = n.charCodeAt(jp + k);
    if (a === b) {
      if (k === p) {
        jp += p;
        k = 1;
      } else k++;
    } else if (reversed ? a < b : a > b) {
      jp += k;
      k = 1;
      p = jp - ip;
    } else {
      ip = jp++;
      k = p = 1;
    }
  }
  return [ip, p];
}

/**
 * Every place `needle` occurs in `text`, overlapping ones too, given as spans that run together
 * where occurrences overlap or touch (a text of one repeated character is one span, not millions).
 */
export function longNeedleSpans(text: string, needle: LongNeedle, onSpan: (start: number, end: number) => void): void {
  const n = needle.text;
  const l = n.length;
  let start = -1;
  let end = -1;
  let mem = 0;
  for (let h = 0; h + l <= text.length; ) {
    // The text's code unit under the needle's end: not in the needle, or last in it further left.
    const skip = l - (needle.last[text.charCodeAt(h + l - 1) & 255] as number);
    if (skip > 0) {
      h += Math.max(skip, mem);
      mem = 0;
      continue;
    }
    let k = Math.max(needle.ms + 1, mem);
    while (k < l && n.charCodeAt(k) === text.charCodeAt(h + k)) k++;
    if (k < l) {
      h += k - needle.ms;
      mem = 0;
      continue;
    }
    k = needle.ms + 1;
    while (k > mem && n.charCodeAt(k - 1) === text.charCodeAt(h + k - 1)) k--;
    if (k <= mem) {
      if (h <= end) end = h + l;
      else {
        if (end >= 0) onSpan(start, end);
        [start, end] = [h, h + l];
      }
    }
    // After a match too: no other occurrence is nearer than the shift (it is at most the period).
    h += needle.shift;
    mem = needle.keep;
  }
  if (end >= 0) onSpan(start, end);
}
