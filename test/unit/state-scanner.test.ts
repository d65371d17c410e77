import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { parseStatePull, stateScanner, WHOLE_MAX } from "../../runners/terraform/state-scanner.js";

// A state read back after an apply, of any size: read whole up to WHOLE_MAX, past it as it streams,
// with the same answer either way.

const state = (resources: number, pad = 0) =>
  `${JSON.stringify(
    {
      version: 4,
      serial: 7,
      lineage: "l-1",
      resources: Array.from({ length: resources }, (_, i) => ({
        mode: i % 3 === 0 ? "data" : "managed",
        ...(i % 5 === 0 ? { module: "module.m" } : {}),
        type: "terraform_data",
        name: `r${i}`,
        instances: [{ ...(i % 2 ? { index_key: i } : { index_key: `k${i}` }), attributes: { pad: "x".repeat(pad) } }],
      })),
    },
    null,
    2,
  )}\n`;

function streamed(text: string, size: number) {
  const scanner = stateScanner();
  for (let i = 0; i < text.length; i += size) scanner.write(text.slice(i, i + size));
  return scanner.end();
}

describe("stateScanner", () => {
  it("a state past WHOLE_MAX, read as it streams, gives what the same resources give read whole", () => {
    const big = state(30_000, 300);
    expect(big.length).toBeGreaterThan(WHOLE_MAX);
    const read = streamed(big, 65_536);
    if ("error" in read) throw new Error(read.error);
    expect(read.serial).toBe(7);
    expect(read.lineage).toBe("l-1");
    expect(read.addresses.size).toBe(20_000);
    expect(read.addresses.has("module.m.terraform_data.r5[5]")).toBe(true);
    expect(read.addresses.has('terraform_data.r2["k2"]')).toBe(true);
    // Control: the data source (r0, r3) is not a managed resource.
    expect(read.addresses.has('module.m.terraform_data.r0["k0"]')).toBe(false);
    // The same resources in a small state, read whole.
    const small = parseStatePull(state(30_000, 0));
    expect(!("error" in small) && [...small.addresses].sort()).toEqual([...read.addresses].sort());
  });

  it("no output is no state yet; text that is not a state is said as such, small or past WHOLE_MAX", () => {
    expect(streamed("", 10)).toEqual({ serial: 0, lineage: "", addresses: new Set() });
    expect(streamed(" \n", 1)).toEqual({ serial: 0, lineage: "", addresses: new Set() });
    const big = state(30_000, 300);
    for (const bad of ["hello", big.slice(0, -100), `${big} trailing`, "x".repeat(WHOLE_MAX + 1)])
      expect(streamed(bad, 1 << 20)).toEqual({ error: "the backend's answer is not a Terraform state (not JSON)" });
    expect(streamed('{"serial": "7", "lineage": "l"}', 3)).toEqual({ error: "the backend's answer has no serial and lineage" });
  });
});

describe("stateScanner: the streamed reading is the whole one, whatever the JSON", () => {
  const res = (name: string) => ({ mode: "managed", type: "t", name, instances: [{ index_key: 0 }] });
  // The same state, read whole (small) and as it streams (an output's value pads it past WHOLE_MAX).
  const both = (make: (pad: string) => string) => {
    const big = make("p".repeat(WHOLE_MAX + 10));
    expect(big.length).toBeGreaterThan(WHOLE_MAX);
    return { whole: parseStatePull(make("p")), streamed: streamed(big, 65_536) };
  };
  const out = (pad: string) => `"outputs":{"x":{"value":"${pad}"}}`;

  it("a key given twice: the last one holds, as JSON.parse and Terraform read it (resources too)", () => {
    const { whole, streamed: read } = both(
      (pad) =>
        `{"serial":3,"lineage":"L","resources":[${JSON.stringify(res("gone"))}],${out(pad)},"resources":[${JSON.stringify(res("a"))}]}`,
    );
    expect(whole).toEqual({ serial: 3, lineage: "L", addresses: new Set(["t.a[0]"]) });
    expect(read).toEqual(whole);
  });

  it("`resources` that is no list holds no resource", () => {
    const { whole, streamed: read } = both((pad) => `{"serial":3,"lineage":"L",${out(pad)},"resources":{"k":${JSON.stringify(res("a"))}}}`);
    expect(whole).toEqual({ serial: 3, lineage: "L", addresses: new Set() });
    expect(read).toEqual(whole);
  });

  it("a byte order mark before the state is no JSON either way", () => {
    const { whole, streamed: read } = both((pad) => `\uFEFF{"serial":3,"lineage":"L",${out(pad)}}`);
    expect(whole).toEqual({ error: "the backend's answer is not a Terraform state (not JSON)" });
    expect(read).toEqual(whole);
  });

  it.each(["5", "true", '{"k":{}}', "[null]", "[7]"])(
    "a managed resource whose instances are %s (no list of objects): no state, said alike, never thrown",
    (instances) => {
      const { whole, streamed: read } = both(
        (pad) => `{"serial":3,"lineage":"L",${out(pad)},"resources":[{"mode":"managed","type":"t","name":"a","instances":${instances}}]}`,
      );
      expect(whole).toEqual({ error: "the backend's answer is not a Terraform state (a resource's instances are no list of objects)" });
      expect(read).toEqual(whole);
    },
  );

  it("control: a data source's odd instances, or a managed resource with none, are read as before", () => {
    const { whole, streamed: read } = both(
      (pad) =>
        `{"serial":3,"lineage":"L",${out(pad)},"resources":[{"mode":"data","type":"t","name":"d","instances":5},{"mode":"managed","type":"t","name":"a"},${JSON.stringify(res("b"))}]}`,
    );
    expect(whole).toEqual({ serial: 3, lineage: "L", addresses: new Set(["t.b[0]"]) });
    expect(read).toEqual(whole);
  });

  it("control: resources, serial and lineage in any order are read alike", () => {
    const { whole, streamed: read } = both((pad) => `{"resources":[${JSON.stringify(res("a"))}],${out(pad)},"lineage":"L","serial":3}\n`);
    expect(whole).toEqual({ serial: 3, lineage: "L", addresses: new Set(["t.a[0]"]) });
    expect(read).toEqual(whole);
  });
});

describe("stateScanner: how deep a state nests", () => {
  const nested = (depth: number, pad = 0) =>
    `{"serial":5,"lineage":"L","pad":"${"p".repeat(pad)}","x":${"[".repeat(depth)}${"]".repeat(depth)},"resources":[]}`;

  it("a state nested 100,000 deep, read as it streams, is no state, said at once (the parser's cost grows with depth per value)", () => {
    const started = performance.now();
    const read = streamed(nested(100_000, WHOLE_MAX), 65_536);
    expect(read).toEqual({ error: "the backend's answer is not a Terraform state (it nests deeper than 512 levels)" });
    expect(performance.now() - started).toBeLessThan(2_000);
    // Read whole, the same answer.
    expect(parseStatePull(nested(100_000))).toEqual(read);
  });

  it("control: nested 500 deep (brackets in strings not counted), it is read alike whole and streamed", () => {
    const text = (pad: number) => nested(500, pad).replace('"pad":"', '"pad":"[[[[{{{{');
    const whole = parseStatePull(text(0));
    expect(whole).toEqual({ serial: 5, lineage: "L", addresses: new Set() });
    expect(streamed(text(WHOLE_MAX), 65_536)).toEqual(whole);
  });
});

describe("stateScanner: memory", () => {
  it("past WHOLE_MAX, the resources read are not held (150 MB of them, the heap grows by far less)", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const base = process.memoryUsage().heapUsed;
    const scanner = stateScanner();
    scanner.write('{"version":4,"serial":3,"lineage":"L","outputs":{},"resources":[');
    const value = "x".repeat(1000);
    for (let i = 0; i < 150_000; i++)
      scanner.write(
        `${i ? "," : ""}{"mode":"managed","type":"t","name":"r${i}","instances":[{"index_key":0,"attributes":{"v":"${value}"}}]}`,
      );
    gc();
    const grown = process.memoryUsage().heapUsed - base;
    scanner.write("]}\n");
    const read = scanner.end();
    expect(!("error" in read) && read.addresses.size).toBe(150_000);
    expect(grown).toBeLessThan(60 * 1024 ** 2);
  });
});
