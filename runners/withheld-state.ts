/** The most of a printed state Sluice keeps (as errored.tfstate): past it, what was printed is not kept whole. */
export const PRINTED_STATE_MAX = 64 * 1024 ** 2;

/** What stands in the output where a state was printed. */
export const WITHHELD_STATE_LINE =
  "[Sluice withheld a Terraform state printed here: it holds every value in clear. One Terraform could not save is kept as the project's unsaved state, as the result says]\r\n";

/** A state as Terraform writes one (statefile.Write: two-space indent, these keys first). */
const SECOND = /^ {2}"version": \d+,\r?$/;
const THIRD = /^ {2}"terraform_version": "[^"\r\n]*",\r?$/;
const OPEN = /^\{\r?$/;
const CLOSE = /^\}\r?$/;

/** A state printed whole, as Sluice kept it: `cut` when it ended early or passed PRINTED_STATE_MAX. */
export interface PrintedState {
  text: string;
  cut: boolean;
}

/**
 * Takes every Terraform state a run prints whole out of its output, as the output streams (before
 * anything is redacted or shown): Terraform prints the state it could neither save in its backend
 * nor write to errored.tfstate (a full disk), and a `run` step may print one (`state pull`). A
 * state holds every value in clear, sensitive ones included, and those first known at the apply
 * are in no redactor yet: a line stands in its place, and the state goes to `onState` (kept as the
 * state the apply could not save). Only lines are held back, and only while they could still be
 * the start of a state (a lone `{`, then `"version"` and `"terraform_version"`).
 */
export function withholdPrintedStates(onState: (state: PrintedState) => void) {
  let mode: "pass" | "maybe" | "state" = "pass";
  // The line not yet ended (decided only whole: the live redactor holds it back anyway), and the
  // whole lines of a possible state's start.
  let partial = "";
  let start: string[] = [];
  let state: string[] = [];
  let stateSize = 0;
  let cut = false;

  const keep = (line: string) => {
    if (stateSize + line.length > PRINTED_STATE_MAX) cut = true;
    else {
      state.push(line);
      stateSize += line.length;
    }
  };
  const endState = () => {
    onState({ text: state.join(""), cut });
    state = [];
    stateSize = 0;
    cut = false;
    mode = "pass";
  };
  /** One whole line, with its `\n`; returns what of it is shown. */
  const line = (text: string): string => {
    const body = text.slice(0, -1);
    if (mode === "state") {
      keep(text);
      if (CLOSE.test(body)) endState();
      return "";
    }
    if (mode === "maybe") {
      start.push(text);
      if (!(start.length === 2 ? SECOND : THIRD).test(body)) {
        // Not a state after all: shown, its last line looked at again (it may be a lone `{`).
        const shown = start.slice(0, -1).join("");
        start = [];
        mode = "pass";
        return shown + line(text);
      }
      if (start.length < 3) return "";
      mode = "state";
      for (const l of start) keep(l);
      start = [];
      return WITHHELD_STATE_LINE;
    }
    if (OPEN.test(body)) {
      start = [text];
      mode = "maybe";
      return "";
    }
    return text;
  };

  return {
    /** A chunk of output as the run printed it; returns what of it may be shown (and redacted) now. */
    push(chunk: string): string {
      const parts = (partial + chunk).split(/(?<=\n)/);
      partial = parts.at(-1)?.endsWith("\n") ? "" : (parts.pop() ?? "");
      let shown = "";
      for (const part of parts) shown += line(part);
      return shown;
    },
    /** The run ended: a start that never became a state is shown; a state never closed is kept, cut. */
    end(): string {
      const last = partial;
      partial = "";
      if (mode === "state") {
        keep(last);
        cut = true;
        endState();
        return "";
      }
      const shown = start.join("") + last;
      start = [];
      mode = "pass";
      return shown;
    },
  };
}
