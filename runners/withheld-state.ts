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
/**
 * How `apply -json` prints the state (views.ApplyJSON.EmergencyDumpState): one log line, its
 * fields in hclog's order, the state an object in `state`.
 */
const JSON_DUMP = '{"@level":"info","@message":"Emergency state dump",';
/** A state's first lines are short: a longer line not ended yet is no start of one. */
const HEADER_MAX = 1024;

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
  // "json": inside the one line `apply -json` printed the state on.
  let mode: "pass" | "maybe" | "state" | "json" = "pass";
  // The line not yet ended, when it may still matter (a lone `{`, a state's line), and whether the
  // text to come goes on a line already let through or dropped (never a line's start then).
  let partial = "";
  let midLine = false;
  // The whole lines of a possible state's start.
  let start: string[] = [];
  let state: string[] = [];
  let stateSize = 0;
  let cut = false;

  const keep = (line: string) => {
    if (cut || stateSize + line.length > PRINTED_STATE_MAX) cut = true;
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
  /** The end of the line `apply -json` printed a state on: its `state`, as Terraform writes one, is kept. */
  const endJsonState = () => {
    const line = state.join("");
    state = [];
    cut ||= !/\n$/.test(line);
    onState(cut ? { text: "", cut } : { text: dumpedState(line), cut });
    stateSize = 0;
    cut = false;
    mode = "pass";
  };
  /** A possible start that is none: shown, from where it began. */
  const notAState = (): string => {
    const shown = start.join("");
    start = [];
    mode = "pass";
    return shown;
  };
  /** One whole line, with its `\n` (`continued`: the rest of a line whose start was let through or dropped). */
  const line = (text: string, continued: boolean): string => {
    const body = text.slice(0, -1);
    if (mode === "json") {
      keep(text);
      endJsonState();
      return "";
    }
    if (!continued && mode === "pass" && text.startsWith(JSON_DUMP)) {
      mode = "json";
      keep(text);
      endJsonState();
      return WITHHELD_STATE_LINE;
    }
    if (mode === "state") {
      keep(text);
      if (!continued && CLOSE.test(body)) endState();
      return "";
    }
    if (mode === "maybe") {
      // Not a state after all: shown, this line looked at again (it may be a lone `{`).
      if (!(start.length === 1 ? SECOND : THIRD).test(body)) return notAState() + line(text, false);
      start.push(text);
      if (start.length < 3) return "";
      mode = "state";
      for (const l of start) keep(l);
      start = [];
      return WITHHELD_STATE_LINE;
    }
    if (!continued && OPEN.test(body)) {
      start = [text];
      mode = "maybe";
      return "";
    }
    return text;
  };
  /** The line not ended yet: held only while it may still matter, and bounded. */
  const unended = (text: string, continued: boolean): string => {
    if (mode === "json" || (!continued && mode === "pass" && text.startsWith(JSON_DUMP))) {
      const shown = mode === "json" ? "" : WITHHELD_STATE_LINE;
      mode = "json";
      keep(text);
      midLine = true;
      return shown;
    }
    if (!continued && mode === "pass" && JSON_DUMP.startsWith(text)) {
      // What may yet be the start of the dump's line (short): held until it is told.
      partial = text;
      return "";
    }
    if (mode === "state") {
      // Only what could still be the state's closing line waits; the rest is kept as it comes.
      if (!continued && (text === "}" || text === "}\r")) partial = text;
      else {
        keep(text);
        midLine = true;
      }
      return "";
    }
    if (mode === "maybe") {
      if (text.length <= HEADER_MAX) {
        partial = text;
        return "";
      }
      // Looked at again from the line's start: it may be the line of a state `apply -json` printed.
      return notAState() + unended(text, false);
    }
    if (!continued && (text === "{" || text === "{\r")) {
      partial = text;
      return "";
    }
    midLine = true;
    return text;
  };

  return {
    /** A chunk of output as the run printed it; returns what of it may be shown (and redacted) now. */
    push(chunk: string): string {
      const parts = (partial + chunk).split(/(?<=\n)/);
      partial = "";
      let shown = "";
      for (const part of parts) {
        if (!part) continue;
        const continued = midLine;
        if (part.endsWith("\n")) {
          midLine = false;
          shown += line(part, continued);
        } else shown += unended(part, continued);
      }
      return shown;
    },
    /** The run ended: a start that never became a state is shown; a state never closed is kept, cut. */
    end(): string {
      const last = partial;
      partial = "";
      midLine = false;
      if (mode === "json") {
        cut = true;
        endJsonState();
        return "";
      }
      if (mode === "state") {
        keep(last);
        cut = true;
        endState();
        return "";
      }
      return notAState() + last;
    },
  };
}

const STATE_KEY = ',"state":{';
const LOG_END = ',"type":"log"}';

/**
 * The `state` of the log line `apply -json` dumped it on, its text as printed (parsed and written
 * again, a number past 2^53 would change: the state pushed later must be the one Terraform made);
 * else the line (no state, as unsavedState then says). Its keys come sorted: `state`, then `type`.
 */
function dumpedState(line: string): string {
  const body = line.replace(/\r?\n$/, "");
  const at = body.indexOf(STATE_KEY);
  if (at < 0 || !body.endsWith(LOG_END)) return line;
  return `${body.slice(at + STATE_KEY.length - 1, body.length - LOG_END.length)}\n`;
}
