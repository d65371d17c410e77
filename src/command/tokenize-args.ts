export type TokenizeResult = { ok: true; tokens: string[] } | { ok: false; reason: string };

const WHITESPACE = /^\p{White_Space}$/u;
// What phones and word processors turn straight quotes into; read as ordinary characters they
// would split `-var ‘a=b c’` in a surprising place, so they are refused with a hint instead.
const SMART_QUOTES = new Set(["\u2018", "\u2019", "\u201C", "\u201D"]);

/**
 * Splits a command line into arguments: any Unicode whitespace separates, `'…'` and `"…"` group
 * (and may touch other text: `-var='a b'`), and nothing else is special: no escapes, no variables,
 * no globbing. `;`, `|`, `$(…)` and backticks are plain characters.
 */
export function tokenizeArgs(line: string): TokenizeResult {
  const tokens: string[] = [];
  let current = "";
  let inToken = false;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inToken = true;
      continue;
    }
    if (WHITESPACE.test(ch)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
      continue;
    }
    if (SMART_QUOTES.has(ch)) {
      return { ok: false, reason: `use straight quotes (\`'\` or \`"\`) instead of \`${ch}\`` };
    }
    current += ch;
    inToken = true;
  }
  if (quote !== undefined) {
    return { ok: false, reason: `unterminated ${quote === "'" ? "single" : "double"} quote (\`${quote}\`)` };
  }
  if (inToken) tokens.push(current);
  return { ok: true, tokens };
}
