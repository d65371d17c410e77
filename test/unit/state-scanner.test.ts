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
