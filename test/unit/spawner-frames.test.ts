import { describe, expect, it } from "vitest";
import { encodeFrame, frameReader } from "../../runners/spawner/spawner-frames.js";

describe("the spawner's frames", () => {
  const frames = [
    encodeFrame({ type: "output", id: 1, fd: 1 }, Buffer.from("hello\n")),
    encodeFrame({ type: "exited", id: 1, code: 0, signal: null }),
    encodeFrame({ type: "output", id: 2, fd: 2 }, Buffer.from([0, 255, 10, 0xe2, 0x82])),
    encodeFrame({ type: "failed", id: 3, message: "spawn x ENOENT — ü", code: "ENOENT" }),
  ];
  const stream = Buffer.concat(frames);
  const read = (chunks: Buffer[]) => {
    const got: [unknown, string][] = [];
    const push = frameReader((h, p) => got.push([h, p.toString("hex")]));
    for (const c of chunks) push(c);
    return got;
  };
  const whole = read([stream]);

  it("gives back each header and its payload's exact bytes, in order", () => {
    expect(whole).toEqual([
      [{ type: "output", id: 1, fd: 1 }, Buffer.from("hello\n").toString("hex")],
      [{ type: "exited", id: 1, code: 0, signal: null }, ""],
      [{ type: "output", id: 2, fd: 2 }, "00ff0ae282"],
      [{ type: "failed", id: 3, message: "spawn x ENOENT — ü", code: "ENOENT" }, ""],
    ]);
  });

  it("however the stream is cut into chunks", () => {
    for (let cut = 1; cut < stream.length; cut++) expect(read([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
    expect(read([...stream].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it("holds a frame back until all of it has come", () => {
    expect(read([stream.subarray(0, frames[0]?.length ? frames[0].length - 1 : 0)])).toEqual([]);
  });
});
