import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyVariableDigests } from "../../src/tool-runs/key-variable-digests.js";

const sha = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");

describe("keyVariableDigests: a variable's digest is keyed before it is kept", () => {
  it("a variable's bare sha256 (one secret's value) is not what is kept; the same value under the same key compares equal", () => {
    const summary = { changeHashes: { "var.role": sha("deployer"), "terraform_data.x": sha({ a: 1 }) } };
    const keyed = keyVariableDigests(summary, "server-key");
    expect(keyed.changeHashes["var.role"]).not.toBe(sha("deployer"));
    expect(keyVariableDigests(summary, "server-key")).toEqual(keyed);
    // Control: another value differs; a resource's digest is left as it was.
    const other = keyVariableDigests({ changeHashes: { "var.role": sha("admin") } }, "server-key");
    expect(other.changeHashes["var.role"]).not.toBe(keyed.changeHashes["var.role"]);
    expect(keyed.changeHashes["terraform_data.x"]).toBe(sha({ a: 1 }));
  });

  it("another server's key gives another digest (a store read elsewhere cannot test guesses against it)", () => {
    const summary = { changeHashes: { "var.role": sha("deployer") } };
    expect(keyVariableDigests(summary, "a").changeHashes["var.role"]).not.toBe(keyVariableDigests(summary, "b").changeHashes["var.role"]);
  });
});
