import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { ApplyRequest } from "../../runners/runner.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend } from "../support/http-state-backend.js";

/**
 * A plan whose changes are all in the state (a `moved` block, an output's new value) lists no
 * resource change, yet its apply writes a new state: the read-back must find that state in the
 * backend before the apply counts, as it does for a resource's change. Real terraform, an http
 * backend that answers writes with 200 and keeps nothing (a write gone where the backend does not keep it).
 */
let root = "";
let n = 0;
let backend: HttpStateBackend;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-tf-read-back-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  backend = await startHttpStateBackend();
});
afterEach(async () => {
  await backend.close();
});

const project: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };
const runner = createTerraformRunner("terraform");

async function planAndApply(checkout: string, body: string) {
  await writeFile(join(checkout, "net/main.tf"), `${httpBackendBlock(backend.url)}${body}`);
  const dataDir = join(checkout, "..", `plan-${++n}`);
  const base = { project, checkoutDir: checkout, extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s: string) => s };
  const planned = await runner.plan({ ...base, dataDir }, exec);
  if (!planned.ok) throw new Error(`${planned.message}\n${planned.output}`);
  const req: ApplyRequest = {
    project,
    checkoutDir: checkout,
    dataDir,
    planFile: planned.planFile,
    env: {},
    timeoutMs: 60_000,
    redactWith: () => (s) => s,
  };
  return runner.apply(req, exec);
}

const first = 'resource "terraform_data" "a" {\n  input = 1\n}\noutput "x" {\n  value = "one"\n}\n';
const changes = {
  "an output's new value": 'resource "terraform_data" "a" {\n  input = 1\n}\noutput "x" {\n  value = "two"\n}\n',
  "a moved block":
    'resource "terraform_data" "b" {\n  input = 1\n}\nmoved {\n  from = terraform_data.a\n  to   = terraform_data.b\n}\noutput "x" {\n  value = "one"\n}\n',
};

async function applied() {
  const checkout = join(root, String(++n), "checkout");
  await mkdir(join(checkout, "net"), { recursive: true });
  const made = await planAndApply(checkout, first);
  expect(made).toMatchObject({ ok: true });
  return checkout;
}

describe("the read-back of a plan that changes only the state", () => {
  it.each(Object.entries(changes))(
    "%s the backend did not keep is not reported as applied",
    async (_what, body) => {
      const checkout = await applied();
      const kept = backend.state;
      backend.dropWrites = true;
      const result = await planAndApply(checkout, body);
      // Terraform wrote the new state (the backend said 200), but the backend holds the old one.
      expect(backend.state).toBe(kept);
      expect(result).toMatchObject({ ok: false });
      expect(!result.ok && result.message).toContain("the state read back through the backend is not what it applied");
    },
    120_000,
  );

  it.each(Object.entries(changes))(
    "%s the backend kept is applied (control)",
    async (_what, body) => {
      const checkout = await applied();
      const result = await planAndApply(checkout, body);
      expect(result).toMatchObject({ ok: true });
      expect(result.ok && result.readBack?.serialAfter).toBeGreaterThan(result.ok ? (result.readBack?.serialBefore ?? 0) : 0);
    },
    120_000,
  );
});
