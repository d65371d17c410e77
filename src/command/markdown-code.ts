const MAX_CHARS = 80;

// Invisible and control characters are shown as \u{…} so a reply never hides (or reorders, for bidi
// controls) what the user actually typed.
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;

/**
 * Renders untrusted text as one inline markdown code span, cut to `max` characters.
 * Inside a code span GitHub interprets nothing (no HTML, mentions, links, emphasis); the fence is
 * longer than any backtick run in the text, so the text cannot close it early.
 */
export function markdownCode(text: string, max = MAX_CHARS): string {
  const chars = Array.from(text);
  const shown = chars.slice(0, max).map(visible).join("") + (chars.length > max ? "…" : "");
  if (shown === "") return "(empty)";
  const longestRun = Math.max(0, ...Array.from(shown.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longestRun + 1);
  // CommonMark strips one space on each side when both are present; padding keeps edge backticks
  // and edge spaces intact.
  const pad = /^[` ]|[` ]$/.test(shown) ? " " : "";
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/** `U+200B` style name of a code point, for messages. */
export function codePointName(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

function visible(ch: string): string {
  if (!HIDDEN.test(ch)) return ch;
  const cp = ch.codePointAt(0) ?? 0;
  return `\\u{${cp.toString(16).toUpperCase()}}`;
}
