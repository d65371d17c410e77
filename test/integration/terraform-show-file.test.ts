import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { PlanRequest } from "../../runners/runner.js";
import { planRequest, scratchRoot, terraform } from "../support/terraform-scratch.js";

/** The plan's JSON for conftest is written by Sluice into the data dir the sandbox just had writable. */
const scratch = scratchRoot("sluice-tf-showfile-");

/** Real terraform's plan of `net` in `dir`/checkout (its data dir `dir`/plan), its workflow's init and plan followed by `step`. */
function planThen(dir: string, step: string[], more: Partial<PlanRequest> = {}) {
  const workflow = {
    plan: [
      { kind: "init" as const, extraArgs: [] },
      { kind: "plan" as const, extraArgs: [] },
      { kind: "run" as const, argv: step },
    ],
    apply: [],
  };
  return terraform.plan(planRequest(join(dir, "checkout"), join(dir, "plan"), { workflow, ...more }), exec);
}

describe("the policy check's plan JSON ($SHOWFILE)", () => {
  it("is never written through a symlink a workflow step left at its place", async () => {
    const root = scratch.next();
    const checkout = join(root, "checkout");
    await mkdir(join(checkout, "net"), { recursive: true });
    await writeFile(join(checkout, "net/main.tf"), 'resource "terraform_data" "net" {\n  input = "net"\n}\n');
    // A file of Sluice's own, outside the run's dirs.
    const own = join(root, "sluice.db");
    await writeFile(own, "the store\n");
    const outcome = await planThen(root, ["sh", "-c", 'ln -s "$0" "$SHOWFILE"', own], {
      policyCheck: { binary: join(root, "no-conftest"), sets: [{ name: "s", path: "policies" }], extraArgs: [] },
    });
    expect(outcome.ok).toBe(true);
    expect(await readFile(own, "utf8")).toBe("the store\n");
  });

  it("the backend's state in TF_DATA_DIR is not read through a symlink a workflow step left there", async () => {
    const root = scratch.next();
    const checkout = join(root, "checkout");
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
    const outcome = await planThen(root, ["sh", "-c", 'ln -sf "$0" "$TF_DATA_DIR/terraform.tfstate"', outside]);
    if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
    expect(outcome.summary.warnings ?? []).toEqual([]);
  });
});
