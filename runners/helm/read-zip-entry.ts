import { inflateRawSync } from "node:zlib";

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * One file out of a zip archive held in memory, for machines without `unzip`. Only what the helm
 * layer needs: stored or deflated entries, no ZIP64, no encryption. Returns undefined when the
 * entry is missing; throws on an archive it cannot read, and on an entry over `maxBytes`
 * (a plan file's bytes come from a sandbox: a few KiB may inflate to gigabytes).
 */
export function readZipEntry(zip: Buffer, name: string, maxBytes = 1024 * 1024 * 1024): Buffer | undefined {
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  const floor = Math.max(0, zip.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = zip.length - 22; i >= floor; i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error("corrupt zip central directory");
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const entryName = zip.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    if (zip.readUInt32LE(localOffset) !== LOCAL) throw new Error("corrupt zip local header");
    // The local header has its own name and extra lengths, which may differ from the central ones.
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (size > maxBytes || (method === 0 && compressedSize > maxBytes)) {
      throw new Error(`zip entry ${name} is over ${maxBytes} bytes`);
    }
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    // The declared size may lie: inflating stops at the limit (it throws past it).
    const out = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data, { maxOutputLength: maxBytes }) : undefined;
    if (!out) throw new Error(`zip entry ${name} uses unsupported compression method ${method}`);
    if (out.length !== size) throw new Error(`zip entry ${name} has ${out.length} bytes, expected ${size}`);
    return out;
  }
  return undefined;
}
