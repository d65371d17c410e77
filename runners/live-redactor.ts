/** Past this much held-back text, live output is released anyway (a line that never ends). */
const MAX_HELD = 1024 * 1024;
/** What a built-in pattern (a token, a key) matches at most outside a private key block. */
const PATTERN_MARGIN = 4096;
const OPEN_KEY = /-----BEGIN[ A-Z0-9]*PRIVATE KEY-----/g;
const CLOSE_KEY = /-----END[ A-Z0-9]*PRIVATE KEY-----/;

/**
 * Redacts output as it streams without ever letting out part of a secret that a read split in
 * two: text is released only up to a line end, keeping back as many lines as the longest known
 * secret spans and any private key block not yet closed, and only when redacting the released
 * part alone gives what redacting it together with the rest does (no match crosses the cut).
 */
export function liveRedactor(redact: (s: string) => string, emit: (s: string) => void) {
  // Read again on each push: a job's redactor can learn secrets while its run's output streams.
  let seen: readonly string[] | undefined;
  let multiline: string[] = [];
  let longest = 0;
  let longestAny = 0;
  const learn = () => {
    const secrets = (redact as { secrets?: readonly string[] }).secrets ?? [];
    if (secrets === seen) return;
    seen = secrets;
    // A pty turns each \n into \r\n: both spellings of a multi-line secret can start in the output.
    multiline = secrets.filter((x) => x.includes("\n")).flatMap((x) => [x, x.replace(/\r?\n/g, "\r\n")]);
    longest = multiline.reduce((n, x) => Math.max(n, x.length), 0);
    longestAny = secrets.reduce((n, x) => Math.max(n, x.length), 0);
  };
  let held = "";
  // Output that arrives after the end (a pty may deliver its last read late) goes out at once.
  let ended = false;
  const cutPoint = (): number => {
    let cut = held.lastIndexOf("\n") + 1;
    // The job page's reader (ansi_up) takes ESC ( with the character after it, a line end too:
    // there the next line goes on where this one ends, so the two are released together.
    while (cut > 0 && endsWithCharsetEscape(held, cut - 1)) cut = held.lastIndexOf("\n", cut - 2) + 1;
    // A multi-line secret may have begun and not be complete yet: hold back from the start of the
    // line where it could begin (not a fixed number of lines, which held a short run's whole
    // output until it ended when the app's private key is among the secrets).
    for (let p = Math.max(0, held.length - longest); p < cut; p++) {
      const c = held.charCodeAt(p);
      const rest = held.length - p;
      if (multiline.some((x) => x.charCodeAt(0) === c && x.length > rest && x.startsWith(held.slice(p)))) {
        cut = held.lastIndexOf("\n", p - 1) + 1;
        break;
      }
    }
    for (const open of held.matchAll(OPEN_KEY)) {
      if (open.index < cut && !CLOSE_KEY.test(held.slice(open.index))) {
        cut = open.index;
        break;
      }
    }
    return cut;
  };
  const release = () => {
    if (held) emit(redact(held));
    held = "";
  };
  // A line that never ends: released up to a cut no match crosses, keeping back as much as a
  // secret the next read completes could have begun with.
  const releaseLong = () => {
    const keep = Math.max(longestAny, PATTERN_MARGIN);
    const whole = redact(held);
    for (let cut = held.length - keep; cut > 0; cut -= keep) {
      const head = redact(held.slice(0, cut));
      if (head + redact(held.slice(cut)) !== whole) continue;
      held = held.slice(cut);
      emit(head);
      return;
    }
    release();
  };
  return {
    push(chunk: string): void {
      learn();
      held += chunk;
      if (ended) {
        release();
        return;
      }
      if (held.length > MAX_HELD) {
        releaseLong();
        return;
      }
      const cut = cutPoint();
      if (cut <= 0) return;
      const head = redact(held.slice(0, cut));
      const tail = held.slice(cut);
      if (redact(held) !== head + redact(tail)) return;
      held = tail;
      if (head) emit(head);
    },
    /**
     * Releases everything held; call when the output ends. Ends it with a line end: the next run's
     * output, stored after it, cannot complete a secret this one's last line began.
     */
    flush(): void {
      ended = true;
      learn();
      if (held && !held.endsWith("\n")) held += "\n";
      // A line end the job page takes with an ESC ( before it is none: one more that it shows.
      if (held && endsWithCharsetEscape(held, held.length - 1)) held += "\n";
      release();
    },
  };
}

/**
 * Whether the line end at `end` follows an ESC ( (with only \r between them, which the job page
 * drops first: src/console/log-text.ts), so that ansi_up takes it as the ESC ('s third character.
 */
function endsWithCharsetEscape(text: string, end: number): boolean {
  let p = end - 1;
  while (p >= 0 && text.charCodeAt(p) === 13) p--;
  return p >= 1 && text[p] === "(" && text[p - 1] === "\x1b";
}
