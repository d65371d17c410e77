import { cutText } from "./cut-text.js";
import { inlineCode } from "./inline.js";
import { stripControl } from "../util/sanitize.js";

export const TEXT_MAX = 500;

const ZWSP = "\u200b";

const ENTITIES: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;" };

/** A backtick run closed by a run of the same length, as CommonMark pairs code spans. */
const CODE_SPAN = /(`+)(?!`)(.+?)(?<!`)\1(?!`)/g;

/**
 * Renders a sentence (a refusal reason, an error message, a notice) as inert markdown prose.
 * Backtick-quoted parts become real code spans (through inlineCode); everything else has its
 * markdown punctuation backslash-escaped, HTML characters turned into entities, and a zero-width
 * space after `@`, `#`, `GH-`, `://` and `www.` so GitHub does not make mentions, issue
 * references or links of it (GitHub finds those in the rendered text, so backslashes alone would
 * not stop them). One line, at most `max` characters of source text. Callers redact first.
 */
export function escapeText(text: string, max = TEXT_MAX): string {
  const flat = stripControl(text.length > 4 * max ? text.slice(0, 4 * max) : text)
    .replace(/\s+/g, " ")
    .trim();
  const cut = cutText(flat, max);
  let result = "";
  let last = 0;
  for (const match of cut.matchAll(CODE_SPAN)) {
    result += escapeProse(cut.slice(last, match.index)) + inlineCode(match[2] ?? "");
    last = match.index + match[0].length;
  }
  return result + escapeProse(cut.slice(last));
}

/**
 * Escapes what is markdown anywhere in a line (emphasis, code, links, HTML, strikethrough, math,
 * tables, backslashes) and, at the start, what would open a block (heading, list, quote, setext
 * underline). Sentence punctuation such as `.` or `(` stays readable.
 */
function escapeProse(text: string): string {
  return text
    .replace(/[\\`*_[\]~$|<>&]/g, (c) => ENTITIES[c] ?? `\\${c}`)
    .replace(/^([#=+-]|\d+(?=[.)]))/, (m) => (/^\d/.test(m) ? `${m}\\` : `\\${m}`))
    .replace(/([@#])(?=[\p{L}\p{N}_])/gu, `$1${ZWSP}`)
    .replace(/\b(gh)-(?=\d)/gi, `$1-${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\b(www)\./gi, `$1${ZWSP}.`);
}
