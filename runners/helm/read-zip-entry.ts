import { inflateRawSync } from "node:zlib";

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_LOCATOR = 0x07064b50;
/** How far from its end Go's archive/zip (terraform's reader) looks for the end record. */
const GO_EOCD_WINDOW = 65 * 1024;

/**
 * The end record as Go's archive/zip finds it: the last signature in the file's last 65 KiB,
 * whatever follows its comment. Reading fewer bytes than Go would take a zip terraform opens
 * (a plan file with junk appended) for no zip at all.
 */
function findEndRecord(zip: Buffer): number {
  const floor = Math.max(0, zip.length - GO_EOCD_WINDOW);
  for (let i = zip.length - 22; i >= floor; i--) {
    if (zip.readUInt32LE(i) !== EOCD) continue;
    // Go gives up on a comment running past the end rather than looking further back.
    if (i + 22 + zip.readUInt16LE(i + 20) > zip.length) throw new Error("corrupt zip end record (truncated comment)");
    return i;
  }
  throw new Error("not a zip archive (no end of central directory)");
}

/**
 * One file out of a zip archive held in memory, for machines without `unzip`. Only what the helm
 * layer needs: stored or deflated entries, no ZIP64, no encryption. Returns undefined when the
 * entry is missing; throws on an archive it cannot read, and on an entry over `maxBytes`
 * (a plan file's bytes come from a sandbox: a few KiB may inflate to gigabytes). The archive
 * is hostile: anything Go's archive/zip would read otherwise (a directory away from where the end
 * record says, ZIP64 records, a directory with more or fewer entries than counted) is refused,
 * so that what this reads is what terraform reads.
 */
export function readZipEntry(zip: Buffer, name: string, maxBytes = 1024 * 1024 * 1024): Buffer | undefined {
  const eocd = findEndRecord(zip);
  if (eocd >= 20 && zip.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) throw new Error("unsupported ZIP64 archive");
  const count = zip.readUInt16LE(eocd + 10);
  const directorySize = zip.readUInt32LE(eocd + 12);
  const directoryStart = zip.readUInt32LE(eocd + 16);
  // Go reads the directory at an offset shifted by what lies between it and the end record.
  if (directoryStart + directorySize !== eocd) throw new Error("corrupt zip: the central directory is not where its end record says");
  let at = directoryStart;
  let found: Buffer | undefined;
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error("corrupt zip central directory");
    const entryName = zip.toString("utf8", at + 46, at + 46 + zip.readUInt16LE(at + 28));
    // The first of two entries of one name is the one Go's readers (and terraform's) take.
    if (entryName === name && !found) found = readEntry(zip, at, name, maxBytes);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  // Go reads entries until the end record, whatever the count says.
  if (at !== eocd) throw new Error("corrupt zip: the central directory holds other entries than counted");
  return found;
}

/** The data of the entry whose central directory record is at `at`. */
function readEntry(zip: Buffer, at: number, name: string, maxBytes: number): Buffer {
  const method = zip.readUInt16LE(at + 10);
  const compressedSize = zip.readUInt32LE(at + 20);
  const size = zip.readUInt32LE(at + 24);
  const localOffset = zip.readUInt32LE(at + 42);
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
