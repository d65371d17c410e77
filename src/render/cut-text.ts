const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** How far around a cut we look for a grapheme boundary; longer clusters (zalgo) get cut anyway. */
const GRAPHEME_WINDOW = 32;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Where to end a chunk that starts at `start` and may not reach past `limit` (exclusive).
 * Prefers just after a newline in the second half of the window; otherwise a grapheme boundary
 * (never between a surrogate pair, and not between a base character and its combining marks or
 * emoji modifiers when the cluster is short). Always makes progress: the result is > start when
 * limit > start, even if that means cutting a long cluster.
 */
export function cutIndex(text: string, start: number, limit: number): number {
  if (limit >= text.length) return text.length;
  if (limit <= start) return start;
  const newline = text.lastIndexOf("\n", limit - 1);
  if (newline >= start && newline + 1 - start >= (limit - start) / 2) return newline + 1;

  let end = limit;
  if (isHighSurrogate(text.charCodeAt(end - 1)) && end - 1 > start) end--;

  const from = Math.max(start, end - GRAPHEME_WINDOW);
  const window = text.slice(from, Math.min(text.length, end + GRAPHEME_WINDOW));
  let best = -1;
  for (const { index } of segmenter.segment(window)) {
    // The window's own start is not a real boundary (it may fall inside a cluster).
    if (index === 0) continue;
    const at = from + index;
    if (at > end) break;
    if (at > start) best = at;
  }
  // No boundary in the window: one cluster longer than the window (zalgo text); cutting it is
  // the price of progress, and `end` is still surrogate-safe.
  return best > start ? best : end;
}

/** Cuts text to at most `max` UTF-16 units on a safe boundary, appending `…` when it was cut. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, cutIndex(text, 0, Math.max(0, max - 1)))}…`;
}
