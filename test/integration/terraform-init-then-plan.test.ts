import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createSandbox, type Sandbox } from "../../runners/sandbox/sandbox.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";

/** The default workflow's init and plan run as one sandboxed tool run: each step still reports as itself. */
let root = "";
let sandbox: Sandbox;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-tf-init-plan-"));
  sandbox = await createSandbox(
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
  if (root) await rm(root, { recursive: true, force: true });
});

const project: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };

async function plan(name: string, tf: string) {
  const checkout = join(root, name);
  const dataDir = join(root, `${name}-data`);
  await mkdir(join(checkout, "net"), { recursive: true });
  await writeFile(join(checkout, "net/main.tf"), tf);
  const run = sandbox.execFor({ writable: [checkout, dataDir], readable: [], network: "none" });
  if (!run.ok) throw new Error(run.reason);
  const streamed: string[] = [];
  const calls: string[][] = [];
  const outcome = await createTerraformRunner("terraform").plan(
    {
      project,
      checkoutDir: checkout,
      dataDir,
      extraArgs: [],
      env: {},
      timeoutMs: 60_000,
      redact: (s) => s,
      onOutput: (chunk) => streamed.push(chunk),
    },
    (file, args, opts) => {
      calls.push([file, ...args]);
      return run.exec(file, args, opts);
    },
  );
  return { outcome, streamed: streamed.join(""), calls };
}

describe("init and plan in one sandbox (default workflow)", () => {
  it("plans with one tool run for both steps; the comment's output is plan's, and no step mark shows anywhere", async () => {
    const { outcome, streamed, calls } = await plan("ok", 'resource "terraform_data" "net" {\n  input = "net"\n}\n');
    expect(outcome).toMatchObject({ ok: true, summary: { add: 1 } });
    // One run for init + plan, then show.
    expect(calls.map((c) => c[0])).toEqual(["/bin/sh", "terraform"]);
    expect(calls[1]?.[1]).toBe("show");
    if (!outcome.ok) return;
    expect(outcome.output).toContain("Plan: 1 to add");
    expect(outcome.output).not.toContain("Terraform has been successfully initialized");
    expect(streamed).toContain("Terraform has been successfully initialized");
    expect(`${outcome.output}${streamed}`).not.toMatch(/sluice-init-/);
  });

  it("an init that fails is reported as init, with init's output, and no plan runs", async () => {
    const { outcome } = await plan("badinit", 'module "m" {\n  source = "./missing"\n}\n');
    expect(outcome).toMatchObject({ ok: false, failedStep: "init", message: "terraform init exited with code 1" });
    if (outcome.ok) return;
    expect(outcome.output).toMatch(/missing/);
    expect(outcome.output).not.toMatch(/sluice-init-/);
  });

  it("a plan that fails is reported as plan, with plan's output only", async () => {
    const { outcome } = await plan("badplan", 'resource "terraform_data" "net" {\n  input = var.nope\n}\n');
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan", message: "terraform plan exited with code 1" });
    if (outcome.ok) return;
    expect(outcome.output).toContain("Reference to undeclared input variable");
    expect(outcome.output).not.toContain("successfully initialized");
  });
});
