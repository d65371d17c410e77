import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
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

describe("the policy check's plan JSON ($SHOWFILE)", () => {
  it("is never written through a symlink a workflow step left at its place", async () => {
    const checkout = join(root, "checkout");
    await mkdir(join(checkout, "net"), { recursive: true });
    await writeFile(join(checkout, "net/main.tf"), 'resource "terraform_data" "net" {\n  input = "net"\n}\n');
    // A file of Sluice's own, outside the run's dirs.
    const own = join(root, "sluice.db");
    await writeFile(own, "the store\n");
    const runner = createTerraformRunner("terraform");
    const outcome = await runner.plan(
      {
        project,
        checkoutDir: checkout,
        dataDir: join(root, "plan"),
        extraArgs: [],
        env: {},
        timeoutMs: 60_000,
        redact: (s) => s,
        workflow: {
          plan: [
            { kind: "init", extraArgs: [] },
            { kind: "plan", extraArgs: [] },
            { kind: "run", argv: ["sh", "-c", 'ln -s "$0" "$SHOWFILE"', own] },
          ],
          apply: [],
        },
        policyCheck: { binary: join(root, "no-conftest"), sets: [{ name: "s", path: "policies" }], extraArgs: [] },
      },
      exec,
    );
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
    const outcome = await createTerraformRunner("terraform").plan(
      {
        project,
        checkoutDir: checkout,
        dataDir: join(root, "plan2"),
        extraArgs: [],
        env: {},
        timeoutMs: 60_000,
        redact: (s) => s,
        workflow: {
          plan: [
            { kind: "init", extraArgs: [] },
            { kind: "plan", extraArgs: [] },
            { kind: "run", argv: ["sh", "-c", 'ln -sf "$0" "$TF_DATA_DIR/terraform.tfstate"', outside] },
          ],
          apply: [],
        },
      },
      exec,
    );
    if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
    expect(outcome.summary.warnings ?? []).toEqual([]);
  });
});
