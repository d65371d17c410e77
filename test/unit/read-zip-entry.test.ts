import { describe, expect, it } from "vitest";
import { readZipEntry } from "../../runners/helm/read-zip-entry.js";
import { makeZip } from "../support/make-zip.js";

/** A central directory record of a stored entry (as make-zip writes them). */
function central(name: string, compressedSize: number, size: number, localOffset: number): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt32LE(compressedSize, 20);
  h.writeUInt32LE(size, 24);
  h.writeUInt16LE(Buffer.byteLength(name), 28);
  h.writeUInt32LE(localOffset, 42);
  return Buffer.concat([h, Buffer.from(name)]);
}

function local(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([h, Buffer.from(name), data]);
}

/**
 * `applied` with bytes put in front: Go's archive/zip (terraform's reader) reads its directory
 * shifted by them (the end record's offset plus what lies before the directory), unless a valid
 * record sits at the unshifted offset. There, this puts a directory Go finds invalid (a compressed
 * size of 2³²-1 with no ZIP64 field) whose next entry is another `tfplan`.
 */
function shifted(applied: Buffer, shown: Buffer): Buffer {
  const eocd = applied.length - 22;
  const at = applied.readUInt32LE(eocd + 16);
  const invalid = central("x", 0xffffffff, 0, 0);
  const directoryLength = invalid.length + 46 + "tfplan".length;
  const decoy = Buffer.concat([invalid, central("tfplan", shown.length, shown.length, at + directoryLength)]);
  return Buffer.concat([Buffer.alloc(at), decoy, local("tfplan", shown), applied]);
}

describe("readZipEntry reads what Go's archive/zip reads, or refuses", () => {
  const applied = makeZip([
    { name: "y", data: Buffer.from("y"), stored: true },
    { name: "tfplan", data: Buffer.from("applied plan"), stored: true },
  ]);

  it("reads a zip with junk after its end record, as far back as Go looks for it", () => {
    const padded = Buffer.concat([applied, Buffer.alloc(66_000)]);
    expect(readZipEntry(padded, "tfplan")?.toString()).toBe("applied plan");
    // Further back than Go looks: no zip (for terraform either).
    expect(() => readZipEntry(Buffer.concat([applied, Buffer.alloc(70_000)]), "tfplan")).toThrow(/not a zip archive/);
  });

  it("refuses a directory away from where its end record says, not reading another one there", () => {
    expect(() => readZipEntry(shifted(applied, Buffer.from("shown plan")), "tfplan")).toThrow(/not where its end record says/);
  });

  it("refuses a directory with more entries than counted (Go reads them all when the count agrees modulo 65536)", () => {
    const names = Array.from({ length: 65_537 }, (_, i) => (i === 65_536 ? "tfplan" : `f${i}`));
    const locals = names.map((name) => local(name, Buffer.alloc(0)));
    let offset = 0;
    const centrals = locals.map((entry, i) => {
      const record = central(names[i] ?? "", 0, 0, offset);
      offset += entry.length;
      return record;
    });
    const directory = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(65_537 % 65_536, 8);
    end.writeUInt16LE(65_537 % 65_536, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    const zip = Buffer.concat([...locals, directory, end]);
    expect(() => readZipEntry(zip, "tfplan")).toThrow(/other entries than counted/);
  });

  it("refuses an end record whose comment runs past the file (Go finds no zip there) and a ZIP64 one", () => {
    const truncated = Buffer.from(applied);
    truncated.writeUInt16LE(5, truncated.length - 2);
    expect(() => readZipEntry(truncated, "tfplan")).toThrow(/truncated comment/);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    const eocd = applied.subarray(applied.length - 22);
    const zip64 = Buffer.concat([applied.subarray(0, applied.length - 22), locator, eocd]);
    expect(() => readZipEntry(zip64, "tfplan")).toThrow(/ZIP64/);
  });

  it("control: a zip as terraform writes it (the first of two entries of one name, as Go takes it)", () => {
    const twice = makeZip([
      { name: "tfplan", data: Buffer.from("first") },
      { name: "tfplan", data: Buffer.from("second") },
    ]);
    expect(readZipEntry(twice, "tfplan")?.toString()).toBe("first");
    expect(readZipEntry(applied, "tfstate")).toBeUndefined();
  });
});
