import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendDigest } from "../../runners/terraform/backend-digest.js";

/**
 * The digest an errored state is pushed back by names the backend terraform used: a backend file
 * with a key Go reads for `config` (case-insensitively, the last wins) names another than the JSON's.
 */
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-digest-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const backend = { type: "http", config: { address: "https://real.example/state" }, hash: 1 };

describe("backendDigest of a backend file with a key Go reads case-insensitively", () => {
  it("is none: terraform's backend is not the one the JSON names", async () => {
    await writeFile(
      join(dir, "terraform.tfstate"),
      JSON.stringify({ version: 3, backend: { ...backend, Config: { address: "https://decoy.example/s" } } }),
    );
    expect(backendDigest(dir)).toBeUndefined();
  });

  it("control: the file as init writes it has its digest", async () => {
    await writeFile(join(dir, "terraform.tfstate"), JSON.stringify({ version: 3, backend }));
    expect(backendDigest(dir)).toMatch(/^[0-9a-f]{64}$/);
  });
});
