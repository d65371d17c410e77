/** What a job's log says where its size cap cut it. */
export function truncationNotice(maxBytes: number): string {
  return `\r\n\x1b[33m[sluice] output truncated: this job's log is capped at ${maxBytes.toLocaleString("en-US")} bytes (server setting log_max_bytes)\x1b[0m\r\n`;
}

/**
 * The part of `text` that still fits in a job log already holding `used` bytes, cut on a
 * character boundary, and whether the cap was reached (the caller then appends the notice once).
 */
export function fitLogChunk(used: number, text: string, maxBytes: number): { text: string; full: boolean } {
  const room = maxBytes - used;
  if (room <= 0) return { text: "", full: true };
  const bytes = Buffer.byteLength(text);
  if (bytes <= room) return { text, full: false };
  // Decoding a cut buffer would leave a replacement character: drop the partial character instead.
  let cut = Buffer.from(text).subarray(0, room).toString("utf8");
  if (cut.endsWith("\uFFFD")) cut = cut.slice(0, -1);
  return { text: cut, full: true };
}
