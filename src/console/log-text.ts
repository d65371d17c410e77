/** An OSC 8 hyperlink's opening or closing sequence: `ESC ] 8 ; params ; URL` ended by BEL or `ESC \`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding terminal sequences is the point
const HYPERLINK = /\x1b\]8;[^\x07\x1b\n]*(?:\x07|\x1b\\)/g;

/** An ESC opening an operating system command (ansi_up reads only hyperlinks among them). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding terminal sequences is the point
const OSC_ESC = /\x1b(?=\])/g;

/**
 * An ESC `[` ansi_up would wait on for ever: no CSI it reads (digits and `;` up to a final byte),
 * and a character past ASCII before any that would end it. ansi_up keeps such a sequence as
 * incomplete and shows nothing after it, in that chunk or any later one of the project: one
 * `ESC [ 1 é` in a run's output hid the rest of its log (a plan's destroys among it).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding terminal sequences is the point
const STUCK_CSI = /\x1b(?!\[[<-?]?[\d;]*[ -/]?[@-~])(?=\[[\x20-\x39\x3b-\x7e]*[^\x00-\x7e])/g;

/**
 * A stored log chunk as the job page converts it: line ends as the browser draws them (every \r
 * goes), and terminal hyperlinks kept as their text only. A run's output is the PR's to write:
 * ansi_up would make its hyperlinks clickable links on Sluice's own page, to any https address
 * (`Approve here`). What removing them leaves can be a hyperlink again (one nested in another's
 * opening), so any ESC still before a `]` goes too: ansi_up then reads no hyperlink at all. The
 * \r go first, so none splits a sequence the redactor's view of the page must see whole
 * (src/util/visible-text.ts). An ESC ansi_up would wait on for ever goes last (STUCK_CSI): the page
 * then shows what follows it, as the redactor's view of the page reads it. assets/job.js does the
 * same for chunks that arrive live.
 */
export function logText(text: string): string {
  return text.replace(/\r/g, "").replace(HYPERLINK, "").replace(OSC_ESC, "").replace(STUCK_CSI, "");
}
