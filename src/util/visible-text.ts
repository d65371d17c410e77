import { ESCAPES } from "./sanitize.js";

/**
 * Controls, and what Unicode says is drawn as nothing (default-ignorable: zero-width characters,
 * bidi marks, soft hyphens, variation selectors, tag characters, …): a browser shows none of them.
 */
const INVISIBLE_CHARS = String.raw`[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\p{Default_Ignorable_Code_Point}]`;
/** Anything a terminal does not show: its escape sequences whole, controls (\r too), invisible characters. */
const TERMINAL_HIDDEN = new RegExp(`${ESCAPES.source}|${INVISIBLE_CHARS}`, "gu");
/**
 * What the console's job page does not show, read in the order src/console/log-text.ts reads a
 * log before ansi_up: every \r goes first, then every hyperlink's sequence, and what that leaves
 * is read again (a CSI split by either is one sequence on the page). Then ansi_up: a CSI it reads
 * (digits and ';' only), ESC ( and its two characters; any other ESC goes alone and what follows
 * it is shown, where a terminal takes it with the ESC.
 */
const PAGE_HIDDEN = [
  /\r/g,
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding terminal sequences is the point
  /\x1b\]8;[^\x07\x1b\n]*(?:\x07|\x1b\\)/g,
  new RegExp(String.raw`\x1b\[[<-?]?[\d;]*[ -/]?[@-~]|\x1b\([\s\S]{0,1}|${INVISIBLE_CHARS}`, "gu"),
];
/** Whether a text has any: a \r only counts alone, so a pty's \r\n line ends keep the fast path. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const HAS_HIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\p{Default_Ignorable_Code_Point}]|\r(?!\n)/u;

/** A text as a reader sees it, and for each of its characters where it stands in the text. */
export interface VisibleView {
  view: string;
  at: Int32Array;
}

/**
 * The text as each of its readers sees it, with what that reader does not show taken out (none
 * when there is nothing to take out): a terminal shows `ab<ESC>[0mcd` or `ab<U+200B>cd` as
 * `abcd`, and the console's job page shows `ab<ESC>cd` as `abcd` too, where a terminal reads
 * `<ESC>c` as one sequence: so a secret split either way is whole on one screen or the other.
 * The redactor reads these views beside the text.
 */
export function visibleViews(text: string): VisibleView[] {
  if (!HAS_HIDDEN.test(text)) return [];
  const terminal = viewWithout(text, TERMINAL_HIDDEN);
  // Without an ESC both readers hide the same characters.
  return text.includes("\x1b") ? [terminal, pageView(text)] : [terminal];
}

/** The text as the job page shows it: each step reads what the one before left. */
function pageView(text: string): VisibleView {
  let seen: VisibleView = { view: text, at: new Int32Array(text.length).map((_, i) => i) };
  for (const hidden of PAGE_HIDDEN) {
    const next = viewWithout(seen.view, hidden);
    seen = { view: next.view, at: next.at.map((i) => seen.at[i] as number) };
  }
  return seen;
}

function viewWithout(text: string, hidden: RegExp): VisibleView {
  const at = new Int32Array(text.length);
  let view = "";
  let n = 0;
  let from = 0;
  hidden.lastIndex = 0;
  for (let m = hidden.exec(text); m !== null; m = hidden.exec(text)) {
    for (let i = from; i < m.index; i++) at[n++] = i;
    view += text.slice(from, m.index);
    from = m.index + m[0].length;
  }
  for (let i = from; i < text.length; i++) at[n++] = i;
  view += text.slice(from);
  return { view, at };
}
