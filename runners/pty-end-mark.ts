/**
 * The mark a pty run's wrapper prints once its command ended, found in what the terminal gives.
 * libuv reads a pty's master a buffer at a time and, when the child's side closes while a read
 * came back short, takes the close for the end: what was still queued (a few KiB, more on a busy
 * app) was dropped, the tail of an apply's output and a state Terraform printed as it exited among
 * it. The wrapper instead prints the mark and waits for Sluice's answer before it exits: everything
 * the command printed comes before the mark on the same terminal, so once the mark is read all of
 * it was.
 */
export interface EndMark {
  /**
   * What of `chunk` is the command's output (less what may be the start of the mark), and whether
   * the mark was read in it (true once: what comes after the mark is the wrapper's, dropped).
   */
  push(chunk: string): { text: string; ended: boolean };
  /** What was held back as a possible start of a mark that never came whole (the run ended otherwise). */
  flush(): string;
}

export function endMark(mark: string): EndMark {
  let held = "";
  let ended = false;
  return {
    push(chunk) {
      if (ended) return { text: "", ended: false };
      const text = held + chunk;
      const at = text.indexOf(mark);
      if (at >= 0) {
        // The echo of Sluice's answer, and anything after the mark, is the wrapper's, not the command's.
        ended = true;
        held = "";
        return { text: text.slice(0, at), ended: true };
      }
      const keep = heldPrefix(text, mark);
      held = text.slice(text.length - keep);
      return { text: text.slice(0, text.length - keep), ended: false };
    },
    flush() {
      const rest = held;
      held = "";
      return rest;
    },
  };
}

/** The length of the longest end of `text` that is a start of `mark` (shorter than the mark). */
function heldPrefix(text: string, mark: string): number {
  for (let n = Math.min(mark.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(mark.slice(0, n))) return n;
  }
  return 0;
}
