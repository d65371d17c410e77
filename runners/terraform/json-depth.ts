/**
 * The deepest a state is read. Terraform's own JSON reader stops at 10000 levels, and no state it
 * writes nests anywhere near this (a resource's attributes sit at depth 6; each nested block adds
 * two). Past it the text is no state: the streaming parser costs time in proportion to the depth
 * for every value it reads, so a deep state of a few MiB would hold the job thread for hours.
 */
export const STATE_DEPTH_MAX = 512;

/** Follows how deep JSON text nests as it streams (brackets inside strings not counted). */
export function jsonDepthWatch(max: number): { write(chunk: string): boolean } {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let over = false;
  return {
    /** False once the text has nested deeper than `max` (and from then on). */
    write(chunk: string): boolean {
      for (let i = 0; i < chunk.length && !over; i++) {
        const c = chunk.charCodeAt(i);
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) over = ++depth > max;
        else if (c === 0x7d || c === 0x5d) depth--;
      }
      return !over;
    },
  };
}
