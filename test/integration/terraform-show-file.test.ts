import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { PlanRequest } from "../../runners/runner.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";

/** The plan's JSON for conftest is written by Sluice into the data dir the sandbox just had writable. */
let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-tf-showfile-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const project: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };

/** Real terraform's plan of `net` in `checkout` (its data dir ROOT/`data`), its workflow's init and plan followed by `step`. */
function planThen(checkout: string, data: string, step: string[], more: Partial<PlanRequest> = {}) {
  return createTerraformRunner("terraform").plan(
    {
      project,
      checkoutDir: checkout,
      dataDir: join(root, data),
      extraArgs: [],
      env: {},
      timeoutMs: 60_000,
      redact: (s) => s,
      workflow: {
        plan: [
          { kind: "init", extraArgs: [] },
          { kind: "plan", extraArgs: [] },
          { kind: "run", argv: step },
        ],
        apply: [],
      },
      ...more,
    },
    exec,
  );
}

describe("the policy check's plan JSON ($SHOWFILE)", () => {
  it("is never written through a symlink a workflow step left at its place", async () => {
    const checkout = join(root, "checkout");
    await mkdir(join(checkout, "net"), { recursive: true });
    await writeFile(join(checkout, "net/main.tf"), 'resource "terraform_data" "net" {\n  input = "net"\n}\n');
    // A file of Sluice's own, outside the run's dirs.
    const own = join(root, "sluice.db");
    await writeFile(own, "the store\n");
    const outcome = await planThen(checkout, "plan", ["sh", "-c", 'ln -s "$0" "$SHOWFILE"', own], {
      policyCheck: { binary: join(root, "no-conftest"), sets: [{ name: "s", path: "policies" }], extraArgs: [] },
    });
    expect(outcome.ok).toBe(true);
    expect(await readFile(own, "utf8")).toBe("the store\n");
  });

  it("the backend's state in TF_DATA_DIR is not read through a symlink a workflow step left there", async () => {
    const checkout = join(root, "checkout2");
    await mkdir(join(checkout, "net"), { recursive: true });
    const state = join(root, "net2.tfstate");
    await writeFile(
      join(checkout, "net/main.tf"),
      `terraform {\n  backend "local" {\n    path = "${state}"\n  }\n}\nresource "terraform_data" "net" {\n  input = "net"\n}\n`,
    );
    // A file outside the run's dirs that would make Sluice warn of state in the checkout, were it read.
    const outside = join(root, "outside.json");
    const inCheckout = join(checkout, "net", "terraform.tfstate");
    await writeFile(outside, JSON.stringify({ version: 3, backend: { type: "local", config: { path: inCheckout } } }));
    const outcome = await planThen(checkout, "plan2", ["sh", "-c", 'ln -sf "$0" "$TF_DATA_DIR/terraform.tfstate"', outside]);
    if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
    expect(outcome.summary.warnings ?? []).toEqual([]);
  });
});
