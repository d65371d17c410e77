import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { ApplyRequest } from "../../runners/runner.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";

/**
 * An apply refuses a state that would be written into the checkout (and removed with it). What
 * says where the state goes is TF_DATA_DIR/terraform.tfstate, a file the plan's run wrote, where a
 * PR's code (a provider, a `run` step) can leave anything: a link or a dir in its place must not
 * make the apply take the state for safe.
 */
let root = "";
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-tf-hostile-backend-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const project: Project = { name: "lost", dir: "lost", workspace: "default", runner: "terraform" };

async function plannedInCheckout() {
  const dir = join(root, String(++n));
  const checkout = join(dir, "checkout");
  await mkdir(join(checkout, "lost"), { recursive: true });
  // No backend block: terraform's default, a local state at lost/terraform.tfstate in the checkout.
  await writeFile(join(checkout, "lost/main.tf"), 'resource "terraform_data" "x" {\n  input = "x"\n}\n');
  const runner = createTerraformRunner("terraform");
  const dataDir = join(dir, "plan");
  const base = { project, checkoutDir: checkout, extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s: string) => s };
  const outcome = await runner.plan({ ...base, dataDir }, exec);
  if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
  const req: ApplyRequest = {
    project,
    checkoutDir: checkout,
    dataDir,
    planFile: outcome.planFile,
    env: {},
    timeoutMs: 60_000,
    redactWith: () => (s) => s,
    checkoutStateAllowed: false,
  };
  return { runner, req, checkout, backendFile: join(dataDir, ".terraform", "terraform.tfstate") };
}

describe("the state's place at apply, read from a file the plan's run wrote", () => {
  it("a state inside the checkout is refused (the control)", async () => {
    const p = await plannedInCheckout();
    const result = await p.runner.apply(p.req, exec);
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.message).toContain("state is a local file inside the checkout");
    expect(existsSync(join(p.checkout, "lost/terraform.tfstate"))).toBe(false);
  });

  it.each(["a symlink", "a dir", "not JSON"])("is still refused when the backend file is %s a run left", async (kind) => {
    const p = await plannedInCheckout();
    await rm(p.backendFile, { force: true, recursive: true });
    await mkdir(dirname(p.backendFile), { recursive: true });
    if (kind === "a symlink") await symlink("/dev/null", p.backendFile);
    else if (kind === "a dir") await mkdir(p.backendFile);
    else await writeFile(p.backendFile, "not a backend {");
    const result = await p.runner.apply(p.req, exec);
    expect(result).toMatchObject({ ok: false });
    // Nothing was applied into the checkout, to be lost with it.
    expect(existsSync(join(p.checkout, "lost/terraform.tfstate"))).toBe(false);
  });
});
