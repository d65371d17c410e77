import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { exec } from "../../runners/exec.js";
import type { ApplyRequest, PlanRequest } from "../../runners/runner.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";
import type { Workflow } from "../../src/model/repo-config.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend } from "./http-state-backend.js";

/**
 * What the runner tests with real terraform share: one project `net` at `net/`, planned by the
 * runner itself, each case in a dir of its own under a root the file's tests remove.
 */
export const NET: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };
export const terraform = createTerraformRunner("terraform");

/** A root for one test file's cases; `next()` names a new dir under it (not made). */
export function scratchRoot(prefix: string): { next: () => string } {
  let root = "";
  let n = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });
  return { next: () => join(root, String(++n)) };
}

/** A plan of `net/`, redacting nothing; `more` adds or replaces fields. */
export function planRequest(checkout: string, dataDir: string, more: Partial<PlanRequest> = {}): PlanRequest {
  return { project: NET, checkoutDir: checkout, dataDir, extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s) => s, ...more };
}

/** Plans `net/` of `checkout` into `dataDir` (a failed plan throws, with its output). */
export async function planNet(checkout: string, dataDir: string, workflow?: Workflow): Promise<string> {
  const planned = await terraform.plan(planRequest(checkout, dataDir, { workflow }), exec);
  if (!planned.ok) throw new Error(`${planned.message}\n${planned.output}`);
  return planned.planFile;
}

/** An apply of `net/`'s saved plan, redacting nothing; `more` adds or replaces fields. */
export function applyRequest(checkout: string, dataDir: string, planFile: string, more: Partial<ApplyRequest> = {}): ApplyRequest {
  return { project: NET, checkoutDir: checkout, dataDir, planFile, env: {}, timeoutMs: 60_000, redactWith: () => (s) => s, ...more };
}

/**
 * `net/` with a local backend outside the checkout (`state`, which no apply has written yet) and
 * a local module, planned in `dir/plan`.
 */
export async function plannedWithModule(dir: string, workflow?: Workflow) {
  const checkout = join(dir, "checkout");
  const state = join(dir, "net.tfstate");
  await mkdir(join(checkout, "net/label"), { recursive: true });
  await writeFile(
    join(checkout, "net/main.tf"),
    `terraform {\n  backend "local" {\n    path = "${state}"\n  }\n}\nresource "terraform_data" "net" {\n  input = "net"\n}\nmodule "label" {\n  source = "./label"\n}\n`,
  );
  await writeFile(join(checkout, "net/label/main.tf"), 'resource "terraform_data" "label" {\n  input = "label"\n}\n');
  const dataDir = join(dir, "plan");
  return { dir, checkout, state, dataDir, planFile: await planNet(checkout, dataDir, workflow), workflow };
}

/** A fresh http state backend for each test of the file, and `net/` written against it. */
export function httpBackendEach(): { backend: () => HttpStateBackend; write: (checkout: string, body: string) => Promise<void> } {
  let backend: HttpStateBackend | undefined;
  beforeEach(async () => {
    backend = await startHttpStateBackend();
  });
  afterEach(async () => {
    await backend?.close();
  });
  const current = () => {
    if (!backend) throw new Error("the http state backend starts before each test");
    return backend;
  };
  return {
    backend: current,
    async write(checkout, body) {
      await mkdir(join(checkout, "net"), { recursive: true });
      await writeFile(join(checkout, "net/main.tf"), `${httpBackendBlock(current().url)}${body}`);
    },
  };
}

/**
 * `net/` of `body` in a new checkout under `scratch`, against `http`'s backend (holding `state`
 * when given), planned; the backend then refuses every write, as a full or failing one would.
 */
export async function plannedThenRefused(
  scratch: { next: () => string },
  http: ReturnType<typeof httpBackendEach>,
  body: string,
  state?: string,
) {
  const checkout = join(scratch.next(), "checkout");
  await http.write(checkout, body);
  if (state !== undefined) http.backend().state = state;
  const dataDir = join(checkout, "..", "plan");
  const planFile = await planNet(checkout, dataDir);
  http.backend().refuseWrites = true;
  return { checkout, dataDir, planFile };
}
