/** Length of the longest run of consecutive backticks in `text` (0 when there is none). */
export function longestBacktickRun(text: string): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 96) {
      run++;
      if (run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  return longest;
}

/**
 * Wraps text in a fenced code block the content cannot close: the fence is one backtick longer
 * than any backtick run inside (CommonMark closes a fence only with a run at least as long).
 * Inside a fence GitHub renders no HTML, no markdown, no @mentions and no #references, which is
 * why all tool output goes in one.
 */
export function fence(text: string, lang = ""): string {
  const ticks = "`".repeat(Math.max(3, longestBacktickRun(text) + 1));
  // The info string is ours, but a backtick or newline there would break the fence: keep it tame.
  const info = lang.replace(/[^A-Za-z0-9_+-]/g, "");
  const body = text.endsWith("\n") || text === "" ? text : `${text}\n`;
  return `${ticks}${info}\n${body}${ticks}`;
}
