/**
 * The frames the app and its spawner (spawner.py) exchange over the spawner's stdin and stdout:
 * a 4-byte header length and a 4-byte payload length (big-endian), the header as JSON, then the
 * payload's bytes (a tool's output or stdin, never text-encoded).
 */
const LENGTHS = 8;

export function encodeFrame(header: object, payload?: Buffer): Buffer {
  const body = Buffer.from(JSON.stringify(header));
  const lengths = Buffer.allocUnsafe(LENGTHS);
  lengths.writeUInt32BE(body.length, 0);
  lengths.writeUInt32BE(payload?.length ?? 0, 4);
  return payload?.length ? Buffer.concat([lengths, body, payload]) : Buffer.concat([lengths, body]);
}

/** Takes the stream's chunks as they come and calls `onFrame` for each whole frame, in order. */
export function frameReader(onFrame: (header: unknown, payload: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= LENGTHS) {
      const headerLength = pending.readUInt32BE(at);
      const payloadLength = pending.readUInt32BE(at + 4);
      const end = at + LENGTHS + headerLength + payloadLength;
      if (pending.length < end) break;
      const header: unknown = JSON.parse(pending.toString("utf8", at + LENGTHS, at + LENGTHS + headerLength));
      const payload = pending.subarray(at + LENGTHS + headerLength, end);
      at = end;
      onFrame(header, payload);
    }
    pending = at === 0 ? pending : pending.subarray(at);
  };
}
