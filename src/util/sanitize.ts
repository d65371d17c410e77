/**
 * Terminal escape sequences. Order matters: string-type sequences (OSC, DCS, SOS, PM, APC) first so
 * their payload (e.g. an OSC 8 hyperlink target) goes with them; then CSI; then any other ESC
 * sequence. String payloads stop at a newline so an unterminated sequence cannot swallow the rest
 * of the output.
 */
export const ESCAPES = new RegExp(
  [
    // 7-bit and 8-bit string sequences: ESC ] / ESC P / ESC X / ESC ^ / ESC _ and C1 equivalents,
    // terminated by BEL, ESC \ or the 8-bit ST (or nothing, at a newline / end of text).
    String.raw`(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?`,
    // CSI: ESC [ or 8-bit CSI, parameters, intermediates, final byte.
    String.raw`(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?`,
    // Other ESC sequences (charset selection, keypad modes, save cursor, ...).
    String.raw`\x1b[ -/]*[0-~]?`,
  ].join("|"),
  "g",
);

/**
 * Left over after escapes: C0 controls except \t and \n (\r is handled before), DEL, C1 controls,
 * bidi embeddings/overrides/isolates and invisible characters that can make text read differently
 * from what it is (Trojan Source), BOMs anywhere.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const INVISIBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * A zero-width joiner goes too, except between two emoji, where it builds one glyph (👨‍👩‍👧) and
 * cannot hide anything.
 */
const LONE_ZWJ = /\u200d(?:(?<!\p{Extended_Pictographic}[\u{1f3fb}-\u{1f3ff}\ufe0f]?\u200d)|(?!\p{Extended_Pictographic}))/gu;

/** A surrogate half without its partner: not valid UTF-16, and GitHub would mangle it anyway. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|[\udc00-\udfff](?<![\ud800-\udbff][\udc00-\udfff])/g;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const HAS_ESCAPE = /[\x1b\x90-\x9f]/;

/** String.prototype.isWellFormed (Node 20) is not in the ES2023 lib typings yet. */
function isWellFormed(text: string): boolean {
  const check = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return check ? check.call(text) : !LONE_SURROGATE_ONCE.test(text);
}
const LONE_SURROGATE_ONCE = new RegExp(LONE_SURROGATE.source);

/**
 * Makes tool output safe to show as text: no terminal escapes, no control characters other than
 * newline and tab, \r\n and lone \r (progress bars overwriting a line) become \n, no bidi or
 * zero-width spoofing characters (a joiner inside an emoji sequence stays), no lone surrogates
 * (replaced by U+FFFD).
 */
export function stripControl(text: string): string {
  // Tool output is megabytes and mostly clean: skip the passes that would find nothing.
  let out = HAS_ESCAPE.test(text) ? text.replace(ESCAPES, "") : text;
  if (out.includes("\r")) out = out.replace(/\r\n?/g, "\n");
  out = out.replace(INVISIBLE, "");
  if (out.includes("\u200d")) out = out.replace(LONE_ZWJ, "");
  return isWellFormed(out) ? out : out.replace(LONE_SURROGATE, "\ufffd");
}
