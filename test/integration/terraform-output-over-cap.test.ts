import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTerraformSandbox } from "../support/terraform-sandbox.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";

const scratch = useTerraformSandbox("sluice-tf-over-cap-");
// Each case plans one project in the sandbox as the server does.
const project: Project = { name: "big", dir: "big", workspace: "default", runner: "terraform" };

async function plan(name: string, tf: string) {
  const checkout = join(scratch.root, name);
  const dataDir = join(scratch.root, `${name}-data`);
  await mkdir(join(checkout, "big"), { recursive: true });
  await writeFile(join(checkout, "big/main.tf"), tf);
  const run = scratch.sandbox.execFor({ writable: [checkout, dataDir], readable: [], network: "none" });
  if (!run.ok) throw new Error(run.reason);
  return createTerraformRunner("terraform").plan(
    { project, checkoutDir: checkout, dataDir, extraArgs: [], env: {}, timeoutMs: 300_000, redact: (s) => s },
    run.exec,
  );
}

/** 1024 × 1000 × 72 = 73.7M characters: over the 64M Sluice keeps of a run's output (terraform's `range` stops at 1024). */
const BIG =
  'join("", [for i in range(1024) : join("", [for j in range(1000) : "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"])])';

// What a run prints past 64M characters is dropped. A plan that printed that much was reported as
// "terraform plan exited with code 0" (a failure that says the step succeeded), or, when only
// show's JSON was that long, as "plan is not valid JSON": nothing said what happened or what to do.
describe("a plan whose output is over what Sluice keeps of a run", () => {
  it("plan's own output over the cap (a large output value): the plan fails saying the output was too long", async () => {
    const outcome = await plan("plain", `output "big" {\n  value = ${BIG}\n}\n`);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failedStep).toBe("plan");
    expect(outcome.message).toMatch(/^terraform plan printed more than 64M characters, more than Sluice keeps of a run's output/);
  }, 600_000);

  it("show's JSON over the cap (the same value, sensitive: plan prints none of it): the plan fails saying so", async () => {
    const outcome = await plan("sensitive", `output "big" {\n  value     = ${BIG}\n  sensitive = true\n}\n`);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failedStep).toBe("show");
    expect(outcome.message).toMatch(/^terraform show printed more than 64M characters/);
  }, 600_000);

  it("a sensitive value of 18.4M characters (under the cap): planned, and Sluice lives (its redactor once ended the process)", async () => {
    const large = BIG.replace("range(1024)", "range(256)");
    const outcome = await plan("sensitive-large", `output "big" {\n  value     = ${large}\n  sensitive = true\n}\n`);
    expect(outcome).toMatchObject({ ok: true, summary: { outputs: [{ name: "big", sensitive: true }] } });
    if (!outcome.ok) return;
    expect(outcome.summary.sensitiveValues[0]?.length).toBe(256 * 1000 * 72);
    expect(outcome.output).not.toContain("0123456789abcdefghij");
  }, 600_000);

  it("control: a large value under the cap plans as before", async () => {
    const smaller = BIG.replace("range(1024)", "range(200)");
    const outcome = await plan("under", `output "big" {\n  value = ${smaller}\n}\n`);
    expect(outcome).toMatchObject({ ok: true, summary: { outputs: [{ name: "big", sensitive: false }] } });
  }, 600_000);
});
