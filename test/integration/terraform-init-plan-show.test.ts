import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTerraformSandbox } from "../support/terraform-sandbox.js";
import type { Exec } from "../../runners/runner.js";
import { initPlanShow } from "../../runners/terraform/init-plan-show.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";

/** The default workflow's init, plan and show run as one sandboxed tool run: each step still reports as itself. */
const scratch = useTerraformSandbox("sluice-tf-init-plan-");

const project: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };

async function plan(name: string, tf: string) {
  const checkout = join(scratch.root, name);
  const dataDir = join(scratch.root, `${name}-data`);
  await mkdir(join(checkout, "net"), { recursive: true });
  await writeFile(join(checkout, "net/main.tf"), tf);
  const run = scratch.sandbox.execFor({ writable: [checkout, dataDir], readable: [], network: "none" });
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

describe("init, plan and show in one sandbox (default workflow)", () => {
  it("plans with one tool run for the three steps; the comment's output is plan's, no step mark or JSON shows anywhere", async () => {
    const { outcome, streamed, calls } = await plan("ok", 'resource "terraform_data" "net" {\n  input = "net-value-7f3e"\n}\n');
    expect(outcome).toMatchObject({ ok: true, summary: { add: 1 } });
    expect(calls.map((c) => c[0])).toEqual(["/bin/sh"]);
    if (!outcome.ok) return;
    expect(outcome.output).toContain("Plan: 1 to add");
    expect(outcome.output).not.toContain("Terraform has been successfully initialized");
    expect(streamed).toContain("Terraform has been successfully initialized");
    expect(streamed).toContain("Plan: 1 to add");
    expect(`${outcome.output}${streamed}`).not.toMatch(/sluice-(init|plan)-|format_version/);
    // The plan file is the copy show read, left where apply looks for it; the copy's dir is gone.
    expect((await readFile(outcome.planFile)).subarray(0, 2).toString()).toBe("PK");
    await expect(readFile(join(scratch.root, "ok-data/shown/plan.tfplan"))).rejects.toThrow();
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

/**
 * A stand-in for terraform that plans like a hostile PR can: its plan leaves a process behind that
 * keeps rewriting the plan file and writing to the run's output. `show` waits a little, prints
 * the plan file it was given inside a JSON document, then tries to change that file.
 */
const HOSTILE_TOOL = `#!/bin/sh
case "$1" in
init) echo "initialized"; exit 0 ;;
plan)
  out=\${2#-out=}
  echo original-plan > "$out"
  ( trap "" HUP; while :; do echo rewritten-by-daemon >> "$out"; echo junk-from-daemon; done ) &
  echo "planned"; exit 0 ;;
show)
  i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done
  printf '{"shown":"%s"}' "$(tr '\\n' ' ' < "$4")"
  # As a provider that show starts could: change the plan once it was shown.
  echo rewritten-by-show >> "$4" 2>/dev/null; exit 0 ;;
esac
exit 3
`;

describe("what a plan leaves running", () => {
  it("cannot change the plan show reads nor write into show's output: show's JSON is the plan that is kept", async () => {
    const checkout = join(scratch.root, "hostile");
    const dataDir = join(scratch.root, "hostile-data");
    await mkdir(checkout, { recursive: true });
    await mkdir(dataDir, { recursive: true });
    const tool = join(checkout, "fake-terraform");
    await writeFile(tool, HOSTILE_TOOL);
    await chmod(tool, 0o755);
    const run = scratch.sandbox.execFor({ writable: [checkout, dataDir], readable: [], network: "none" });
    if (!run.ok) throw new Error(run.reason);
    expect(run.exec.isolated).toBe(true);
    const planFile = join(dataDir, "plan.tfplan");
    const r = await initPlanShow(run.exec, tool, ["plan", `-out=${planFile}`], planFile, { cwd: checkout, timeoutMs: 60_000 });
    expect(r.ok, r.ok ? "" : `${r.step} failed: ${r.problem ?? r.output}`).toBe(true);
    if (!r.ok) return;
    const shown = JSON.parse(r.json) as { shown: string };
    const kept = (await readFile(planFile, "utf8")).replaceAll("\n", " ");
    expect(shown.shown).toBe(kept);
    expect(kept).toMatch(/^original-plan /);
    expect(r.planOutput).toContain("planned");
    // Nothing of the run is left to change the plan later.
    await new Promise((res) => setTimeout(res, 200));
    expect((await readFile(planFile, "utf8")).replaceAll("\n", " ")).toBe(kept);
  });

  it("ends the other processes only inside a sandbox: without one the script has no kill at all", async () => {
    const scripts: string[] = [];
    const direct: Exec = async (_file, args) => {
      scripts.push(args[1] ?? "");
      return { exitCode: 0, timedOut: false, stdout: "", stderr: "", durationMs: 0 };
    };
    const dataDir = join(scratch.root, "direct-data");
    await mkdir(dataDir, { recursive: true });
    const r = await initPlanShow(direct, "terraform", ["plan"], join(dataDir, "plan.tfplan"), { cwd: dataDir });
    expect(r).toMatchObject({ ok: false, step: "init" });
    expect(scripts[0]).toContain("read go");
    expect(scripts[0]).not.toContain("kill");
    const isolated: Exec = Object.assign(direct, { isolated: true });
    await initPlanShow(isolated, "terraform", ["plan"], join(dataDir, "plan.tfplan"), { cwd: dataDir });
    expect(scripts[1]).toContain("kill -KILL -1");
  });
});
