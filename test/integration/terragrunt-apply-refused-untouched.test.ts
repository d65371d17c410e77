import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";
import { writeFiles } from "../support/prior-state-secret.js";
import { TERRAGRUNT_STAND_IN, terragruntUnit, useTerragruntScratch } from "../support/terragrunt-prior-state.js";

/**
 * Rule 8's line for a Terragrunt unit: refused before terragrunt started (its saved plan not a
 * file) is `untouched`; once terragrunt ran, even only its `show` (where the unit's hooks and
 * `run_cmd` run, with the apply's credentials), a failure is not. Through the stand-in
 * (terragrunt cannot be installed here) and real terraform.
 */
const unit = terragruntUnit("live/db");
const runner = createTerragruntRunner({ binary: TERRAGRUNT_STAND_IN });

const scratch = useTerragruntScratch("sluice-tg-untouched-");
beforeAll(async () => {
  await writeFiles(scratch.checkout, {
    "modules/db/main.tf": `terraform {\n  backend "local" {\n    path = "${join(scratch.root, "state.tfstate")}"\n  }\n}\nresource "terraform_data" "db" {\n  input = "db"\n}\n`,
    "live/db/terragrunt.hcl": 'terraform {\n  source = "../../modules//db"\n}\n',
  });
});

/** Runs every call but the first of `failing` (by its first argument), which exits 1. */
const failingAt = (failing: string, calls: string[]): Exec => {
  return (file, args, opts) => {
    calls.push(args[0] ?? "");
    if (args[0] === failing) return Promise.resolve({ exitCode: 1, timedOut: false, durationMs: 0, stdout: "", stderr: "Error: no" });
    return exec(file, args, opts);
  };
};

describe("a terragrunt apply", () => {
  it("refused before terragrunt started (the saved plan is no file) is untouched; nothing ran", async () => {
    const request = scratch.applyRequest(unit.dir, "data-dir-plan");
    await mkdir(request.planFile, { recursive: true });
    const calls: string[] = [];
    const result = await runner.apply(request, failingAt("", calls));
    expect(result).toMatchObject({ ok: false, untouched: true });
    expect(calls).toEqual([]);
  });

  it("that failed once terragrunt ran, at its `show` or at its apply, is not untouched", async () => {
    const plan = await runner.plan(scratch.planRequest(unit.dir, "data-db"), exec);
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    for (const step of ["show", "apply"]) {
      const calls: string[] = [];
      const result = await runner.apply({ ...scratch.applyRequest(unit.dir, "data-db"), planFile: plan.planFile }, failingAt(step, calls));
      expect(calls).toContain(step);
      expect(result.ok).toBe(false);
      expect(result).not.toHaveProperty("untouched");
    }
  });
});
