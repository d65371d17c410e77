/** Past this much, a run's captured output is cut (its live output still streams). */
export const MAX_CAPTURE = 64 * 1024 * 1024;

/**
 * Captured past the cap before it is cut: a secret that starts before the cap is then whole when
 * the capture is redacted (a multi-line one too: a PEM key, a kubeconfig's certificates are a few
 * KiB), and goes out redacted or not at all.
 */
const REDACT_MARGIN = 1024 * 1024;

const identity = (text: string) => text;

/**
 * Collects a run's output chunks up to MAX_CAPTURE characters. Chunks end where a read of the
 * pipe or terminal ended, anywhere in a line: output cut there could end in the first part of a
 * secret the run printed over and over around the cap, which no redaction of the whole matches.
 * So what is cut is cut after redaction, and at a line's end.
 */
export function captureOutput() {
  let size = 0;
  let dropped = false;
  const parts: string[] = [];
  return {
    push(chunk: string) {
      if (size >= MAX_CAPTURE + REDACT_MARGIN) {
        dropped = true;
        return;
      }
      parts.push(chunk);
      size += chunk.length;
    },
    /** Whether some output was dropped: what `text` gives is not all the run printed. */
    dropped: () => dropped,
    /**
     * The output as `redact` leaves it (a caller that redacts later passes none); when some was
     * dropped, only its whole lines within MAX_CAPTURE.
     */
    text: (redact: (text: string) => string = identity) => {
      const raw = parts.join("");
      const whole = redact(raw);
      return dropped ? cutAtLineEnd(withoutRawEnd(raw, whole, redact), MAX_CAPTURE) : whole;
    },
  };
}

/**
 * The redacted capture less what its raw last REDACT_MARGIN characters became. A secret that goes
 * on past the capture's end is not redacted, and where redaction shrank what came before (a secret
 * printed over and over), the whole text falls under the cap and a cut at the cap alone would keep
 * the first lines of a multi-line one. That end, redacted alone from a line's start (so every match
 * there is one in the whole text too), is as long as what it became in the whole or longer.
 */
function withoutRawEnd(raw: string, whole: string, redact: (text: string) => string): string {
  const from = raw.length - REDACT_MARGIN;
  const lineStart = raw.indexOf("\n", from) + 1;
  const end = redact(raw.slice(lineStart > 0 ? lineStart : from));
  return whole.slice(0, Math.max(0, whole.length - end.length));
}

/** `text` up to its last line end within `max` characters (nothing when it has none there). */
export function cutAtLineEnd(text: string, max: number): string {
  if (text.length <= max && text.endsWith("\n")) return text;
  return text.slice(0, text.lastIndexOf("\n", max - 1) + 1);
}
