/** An OSC 8 hyperlink's opening or closing sequence: `ESC ] 8 ; params ; URL` ended by BEL or `ESC \`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding terminal sequences is the point
const HYPERLINK = /\x1b\]8;[^\x07\x1b\n]*(?:\x07|\x1b\\)/g;

/**
 * Each run of ESCs, with the `]` after it if one follows. Taken as a run: an ESC taken out of
 * `ESC ESC ]` leaves `ESC ]`, one more sequence ansi_up reads (a hyperlink again, whose link text
 * the PR chose, on Sluice's own page). Matched greedily with nothing to backtrack into, so a long
 * run costs one pass.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding terminal sequences is the point
const ESC_RUN = /\x1b+(\]?)/g;

/**
 * What makes an ESC `[` one ansi_up would wait on for ever: no CSI it reads (digits and `;` up to
 * a final byte), and a character past ASCII before any that would end it. ansi_up keeps such a
 * sequence as incomplete and shows nothing after it, in that chunk or any later one of the
 * project: one `ESC [ 1 é` in a run's output hid the rest of its log (a plan's destroys among it).
 * Read right after a run of ESCs (sticky), so that the whole run goes: with only its last ESC
 * taken out, `ESC ESC [ 1 é` was `ESC [ 1 é` again.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding terminal sequences is the point
const STUCK_AFTER = /(?!\[[<-?]?[\d;]*[ -/]?[@-~])(?=\[[\x20-\x39\x3b-\x7e]*[^\x00-\x7e])/y;

const stuckAt = (text: string, at: number): boolean => {
  STUCK_AFTER.lastIndex = at;
  return STUCK_AFTER.test(text);
};

/**
 * A stored log chunk as the job page converts it: line ends as the browser draws them (every \r
 * goes), and terminal hyperlinks kept as their text only. A run's output is the PR's to write:
 * ansi_up would make its hyperlinks clickable links on Sluice's own page, to any https address
 * (`Approve here`). What removing them leaves can be a hyperlink again (one nested in another's
 * opening), so every ESC still before a `]` goes too, a run of them whole: ansi_up then reads no
 * hyperlink at all. The \r go first, so none splits a sequence the redactor's view of the page
 * must see whole (src/util/visible-text.ts). An ESC ansi_up would wait on for ever goes too (with
 * the ESCs before it): the page then shows what follows it, as the redactor's view of the page
 * reads it. assets/job.js does the same for chunks that arrive live.
 */
export function logText(text: string): string {
  return text
    .replace(/\r/g, "")
    .replace(HYPERLINK, "")
    .replace(ESC_RUN, (run: string, bracket: string, at: number, whole: string) =>
      bracket ? bracket : stuckAt(whole, at + run.length) ? "" : run,
    );
}
