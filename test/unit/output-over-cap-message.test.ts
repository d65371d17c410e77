import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExecResult } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";

// A tool's JSON cut at the capture's cap (64M characters) is no JSON to read: the step says the
// output was too long and what to change, as a plan's `show` does, not "not valid JSON".
const ok = (stdout = ""): ExecResult => ({ exitCode: 0, timedOut: false, stdout, stderr: "", durationMs: 0 });
const cut = (stdout: string): ExecResult => ({ ...ok(stdout), outputCut: true });
const TOO_LONG = /printed more than 64M characters, more than Sluice keeps of a run's output/;

async function request(checkoutDir: string) {
  return {
    project: { name: ".", dir: ".", workspace: "default" },
    checkoutDir,
    dataDir: await mkdtemp(join(tmpdir(), "sluice-over-cap-")),
    extraArgs: [],
    env: {},
    timeoutMs: 1000,
    redact: (s: string) => s,
  };
}

describe("a tool's JSON past the output cap", () => {
  it("terraform output -json (a producer's outputs): fails saying it was too long (control: whole, read)", async () => {
    const checkout = await mkdtemp(join(tmpdir(), "sluice-over-cap-checkout-"));
    const req = { ...(await request(checkout)), project: { name: "net", dir: ".", workspace: "default", runner: "terraform" as const } };
    const answer =
      (json: ExecResult): Exec =>
      async (_file, args) =>
        args[0] === "output" ? json : ok();
    const runner = createTerraformRunner("terraform");
    const read = (json: ExecResult) => (runner.outputs ? runner.outputs(req, answer(json)) : Promise.reject(new Error("no outputs")));
    try {
      expect(await read(cut('{"vpc_id": {"value": "vpc-'))).toMatchObject({
        ok: false,
        failedStep: "output",
        message: expect.stringMatching(TOO_LONG),
      });
      expect(await read(ok('{"vpc_id": {"value": "vpc-1", "type": "string", "sensitive": false}}'))).toMatchObject({ ok: true });
    } finally {
      await rm(checkout, { recursive: true, force: true });
      await rm(req.dataDir, { recursive: true, force: true });
    }
  });

  it("a Terragrunt unit's show -json: the plan fails saying it was too long", async () => {
    const req = {
      ...(await request(new URL("../fixtures/terragrunt-stand-in/unit", import.meta.url).pathname)),
      project: { name: ".", dir: ".", workspace: "default", runner: "terragrunt" as const },
    };
    // The plan writes its plan file (as terragrunt's `-out=` does); show's JSON is cut.
    const exec: Exec = async (_file, args) => {
      const out = args.find((a) => a.startsWith("-out="));
      if (out) await writeFile(out.slice("-out=".length), "plan");
      return args.includes("show") ? cut('{"format_version": "1.2", "resource_changes": [') : ok();
    };
    try {
      expect(await createTerragruntRunner().plan(req, exec)).toMatchObject({
        ok: false,
        failedStep: "show",
        message: expect.stringMatching(TOO_LONG),
      });
    } finally {
      await rm(req.dataDir, { recursive: true, force: true });
    }
  });
});
