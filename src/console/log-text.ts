/** An OSC 8 hyperlink's opening or closing sequence: `ESC ] 8 ; params ; URL` ended by BEL or `ESC \`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding terminal sequences is the point
const HYPERLINK = /\x1b\]8;[^\x07\x1b\n]*(?:\x07|\x1b\\)/g;

/**
 * A stored log chunk as the job page converts it: line ends as the browser draws them, and
 * terminal hyperlinks kept as their text only. A run's output is the PR's to write: ansi_up would
 * make its hyperlinks clickable links on Sluice's own page, to any https address (`Approve here`).
 * assets/job.js does the same for chunks that arrive live.
 */
export function logText(text: string): string {
  return text.replace(HYPERLINK, "").replace(/\r\n/g, "\n").replace(/\r/g, "");
}
