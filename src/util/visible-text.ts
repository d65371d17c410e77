import { ESCAPES } from "./sanitize.js";

const INVISIBLE_CHARS = String.raw`[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]`;
/** Anything a reader does not see: terminal escapes, controls (\r too), invisible characters. */
const HIDDEN = new RegExp(`${ESCAPES.source}|${INVISIBLE_CHARS}`, "g");
/** Whether a text has any: a \r only counts alone, so a pty's \r\n line ends keep the fast path. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const HAS_HIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]|\r(?!\n)/;

/** A text as a reader sees it, and for each of its characters where it stands in the text. */
export interface VisibleView {
  view: string;
  at: Int32Array;
}

/**
 * The text with what a reader does not see taken out (undefined when there is none): a terminal,
 * the console's colours (ansi_up) or a browser shows `ab<ESC>[0mcd` or `ab<U+200B>cd` as `abcd`,
 * so a secret split that way is whole on screen. The redactor reads this view beside the text.
 */
export function visibleView(text: string): VisibleView | undefined {
  if (!HAS_HIDDEN.test(text)) return undefined;
  const at = new Int32Array(text.length);
  let view = "";
  let n = 0;
  let from = 0;
  HIDDEN.lastIndex = 0;
  for (let m = HIDDEN.exec(text); m !== null; m = HIDDEN.exec(text)) {
    for (let i = from; i < m.index; i++) at[n++] = i;
    view += text.slice(from, m.index);
    from = m.index + m[0].length;
  }
  for (let i = from; i < text.length; i++) at[n++] = i;
  view += text.slice(from);
  return { view, at };
}
