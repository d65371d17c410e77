import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { exec } from "../../runners/exec.js";
import { createSandbox, type Sandbox } from "../../runners/sandbox/sandbox.js";

/**
 * A scratch dir and a sandbox for `terraform` as the server makes one (bwrap, the run's limits),
 * made before a test file's tests and the dir removed after them; read `root` and `sandbox` inside tests.
 */
export function useTerraformSandbox(prefix: string): { readonly root: string; readonly sandbox: Sandbox } {
  const made = { root: "", sandbox: undefined as unknown as Sandbox };
  beforeAll(async () => {
    made.root = await mkdtemp(join(tmpdir(), prefix));
    made.sandbox = await createSandbox(
      {
        mode: "on",
        bwrapPath: process.env.SLUICE_BWRAP_PATH || "bwrap",
        paths: [],
        limits: { memoryBytes: 4 * 1024 ** 3, processes: 2048, fileSizeBytes: 1024 ** 3 },
        readOnlyFiles: [],
        toolBinaries: ["terraform"],
      },
      exec,
    );
  });
  afterAll(async () => {
    if (made.root) await rm(made.root, { recursive: true, force: true });
  });
  return made;
}
