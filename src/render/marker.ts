/**
 * The hidden first line that lets Sluice find its own comments again. The job id is URI-encoded so
 * it can never contain `-->` (or spaces) and end the HTML comment early.
 */
export function markerFor(jobId: string, part: number): string {
  return `<!-- sluice:job=${encodeURIComponent(jobId)} part=${part} -->`;
}

const MARKER = /^<!-- sluice:job=(\S*) part=([1-9]\d{0,5}) -->$/;

/**
 * Reads the marker from the first line of a comment body, and only from there: tool output is
 * never on the first line, so a marker printed by a plan cannot be mistaken for ours.
 */
export function parseMarker(body: string): { jobId: string; part: number } | undefined {
  const newline = body.indexOf("\n");
  const first = (newline === -1 ? body : body.slice(0, newline)).replace(/\r$/, "");
  const match = MARKER.exec(first);
  if (match?.[1] === undefined || !match[2]) return undefined;
  try {
    return { jobId: decodeURIComponent(match[1]), part: Number(match[2]) };
  } catch {
    return undefined;
  }
}
