import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashChange } from "../../runners/terraform/hash-change.js";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";
import { parseConftestOutput } from "../../runners/conftest/parse-conftest-output.js";
import { keyChangeDigests, keyPlanDigests } from "../../src/tool-runs/key-plan-digests.js";

const sha = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");

describe("keyChangeDigests: a change's digest is keyed before it is kept", () => {
  it("no kept digest is a bare sha256 of one secret (a variable's value); the same value under the same key compares equal", () => {
    const summary = { changeHashes: { "var.role": sha("deployer"), "terraform_data.x": sha({ a: 1 }) } };
    const keyed = keyChangeDigests(summary, "server-key");
    expect(keyed.changeHashes["var.role"]).not.toBe(sha("deployer"));
    expect(keyed.changeHashes["terraform_data.x"]).not.toBe(sha({ a: 1 }));
    expect(keyChangeDigests(summary, "server-key")).toEqual(keyed);
    // Control: another value differs.
    const other = keyChangeDigests({ changeHashes: { "var.role": sha("admin") } }, "server-key");
    expect(other.changeHashes["var.role"]).not.toBe(keyed.changeHashes["var.role"]);
  });

  it("another server's key gives another digest (a copy of the store cannot test guesses without the key)", () => {
    const summary = { changeHashes: { "var.role": sha("deployer") } };
    expect(keyChangeDigests(summary, "a").changeHashes["var.role"]).not.toBe(keyChangeDigests(summary, "b").changeHashes["var.role"]);
  });

  // The last review's case: a sensitive root output's digest, a small preimage around the secret.
  it("a sensitive output's kept digest cannot be matched by a guess of the secret without the key", () => {
    const change = (after: string) => ({
      actions: ["create"],
      before: null,
      after,
      after_unknown: false,
      before_sensitive: false,
      after_sensitive: true,
    });
    const plan = { format_version: "1.2", resource_changes: [], output_changes: { db_password: change("hunter2") }, variables: {} };
    const read = summarizePlan(plan);
    if (!read.ok) throw new Error("plan not summarized");
    const kept = keyChangeDigests(read.summary, "server-key").changeHashes ?? {};
    expect(kept["output.db_password"]).toBeDefined();
    expect(kept["output.db_password"]).not.toBe(hashChange(change("hunter2")));
  });

  // A policy failure may quote a planned value (a secret): the digest of a long failure list is keyed too.
  it("a policy set's digest of every failure is kept keyed, never bare", () => {
    const failures = Array.from({ length: 60 }, (_, i) => ({ msg: `password is hunter${i}` }));
    const policy = parseConftestOutput("s", {
      exitCode: 1,
      stdout: JSON.stringify([{ filename: "p", namespace: "main", successes: 0, failures }]),
      stderr: "",
    });
    const bare = policy.status === "failed" ? policy.allFailures : undefined;
    expect(bare).toMatch(/^[0-9a-f]{64}$/);
    const kept = keyPlanDigests({ summary: { changeHashes: {} }, policy: { sets: [policy] } }, "server-key").policy?.sets[0];
    const keyed = kept?.status === "failed" ? kept.allFailures : undefined;
    expect(keyed).toBeDefined();
    expect(keyed).not.toBe(bare);
    // Control: the same failures under the same key are kept alike; a set with 50 or fewer has no digest.
    expect(keyPlanDigests({ summary: {}, policy: { sets: [policy] } }, "server-key").policy?.sets[0]).toEqual(kept);
    const few = parseConftestOutput("s", {
      exitCode: 1,
      stdout: JSON.stringify([{ filename: "p", namespace: "m", failures: [{ msg: "x" }] }]),
      stderr: "",
    });
    expect(keyPlanDigests({ summary: {}, policy: { sets: [few] } }, "k").policy?.sets[0]).toEqual(few);
  });
});
