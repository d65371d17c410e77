import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CAPTURE } from "../../runners/capture-output.js";
import { exec } from "../../runners/exec.js";
import { pullState } from "../../runners/terraform/state-read-back.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend } from "../support/http-state-backend.js";

/**
 * A state larger than Sluice keeps of a run's output (64M characters) is read back all the same:
 * `terraform state pull` is read as it streams. Before, every apply of such a project failed its
 * read-back (its state in the backend, unverified). Real terraform, an http backend holding it.
 */
let dir = "";
let backend: HttpStateBackend;
const RESOURCES = 2_100;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-large-state-"));
  backend = await startHttpStateBackend();
  const resources = Array.from({ length: RESOURCES }, (_, i) => ({
    mode: "managed",
    type: "terraform_data",
    name: `r${i}`,
    provider: 'provider["terraform.io/builtin/terraform"]',
    instances: [
      {
        schema_version: 0,
        attributes: { id: `id-${i}`, input: { value: "v".repeat(35_000), type: "string" }, output: null, triggers_replace: null },
        sensitive_attributes: [],
      },
    ],
  }));
  backend.state = JSON.stringify({ version: 4, terraform_version: "1.11.4", serial: 5, lineage: "big", outputs: {}, resources }, null, 2);
  await writeFile(join(dir, "main.tf"), httpBackendBlock(backend.url));
  const init = await exec("terraform", ["init", "-input=false", "-no-color"], { cwd: dir, timeoutMs: 120_000 });
  if (init.exitCode !== 0) throw new Error(init.stdout + init.stderr);
}, 180_000);
afterAll(async () => {
  await backend?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the read-back of a state over 64M characters", () => {
  it("reads its serial, lineage and every resource", async () => {
    expect(backend.state?.length).toBeGreaterThan(MAX_CAPTURE);
    const read = await pullState(exec, "terraform", { cwd: dir, env: {}, timeoutMs: 120_000 });
    if ("error" in read) throw new Error(read.error);
    expect(read.serial).toBe(5);
    expect(read.lineage).toBe("big");
    expect(read.addresses.size).toBe(RESOURCES);
    expect(read.addresses.has(`terraform_data.r${RESOURCES - 1}`)).toBe(true);
  }, 180_000);
});
