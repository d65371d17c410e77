import { execFile } from "node:child_process";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { useTerraformSandbox } from "../support/terraform-sandbox.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";
import type { WorkflowStep } from "../../src/model/repo-config.js";
import { createRedactor } from "../../src/util/redact.js";

/**
 * A plan whose `show -json` fails after the plan printed (its JSON over the output Sluice keeps, a
 * timeout, an exit code) released the plan's text to the live log (the job log, the console)
 * redacted with none of the plan's sensitive values: they are known only from that JSON, and
 * terraform prints some unmarked (a prior state's terraform_data `output`). The show's failure
 * is forced by a stand-in that is the real terraform but for `show`, which fails as terraform's
 * does (an error on stderr, exit code 1).
 */
const scratch = useTerraformSandbox("sluice-tf-show-fails-");
const run = promisify(execFile);
const tfEnv = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
const SECRET = "prior-state-secret-7d20ab";
const SHOW_FAILS = `#!/bin/sh
if [ "$1" = show ]; then echo "Error: Failed to read the given file as a state or plan file" >&2; exit 1; fi
exec terraform "$@"
`;

const project: Project = { name: "vault", dir: "vault", workspace: "default", runner: "terraform" };

const tf = (trigger: string, input: string) => `terraform {
  backend "local" {
    path = "../state/terraform.tfstate"
  }
}
resource "terraform_data" "pw" {
  input            = sensitive(${input})
  triggers_replace = "${trigger}"
}
`;

let binDir = "";
beforeAll(async () => {
  binDir = join(scratch.root, "bin");
  await mkdir(binDir);
  await writeFile(join(binDir, "terraform-show-fails"), SHOW_FAILS);
  await chmod(join(binDir, "terraform-show-fails"), 0o755);
});

/** A plan after an apply whose state holds SECRET in a terraform_data, by `bin`. */
async function planAfterApply(name: string, bin: string, workflow?: { plan: WorkflowStep[]; apply: WorkflowStep[] }) {
  const checkout = join(scratch.root, name);
  const dataDir = join(scratch.root, `${name}-data`);
  const cwd = join(checkout, "vault");
  await mkdir(cwd, { recursive: true });
  await mkdir(join(checkout, "state"), { recursive: true });
  await writeFile(join(cwd, "main.tf"), tf("1", JSON.stringify(SECRET)));
  await run("terraform", ["init", "-input=false", "-no-color"], { cwd, env: tfEnv });
  await run("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd, env: tfEnv });
  await rm(join(cwd, ".terraform"), { recursive: true, force: true });
  // The secret is no longer in the checkout: only the state holds it now.
  await writeFile(join(cwd, "main.tf"), tf("2", '"rotated-away"'));
  const sandboxed = scratch.sandbox.execFor({ writable: [checkout, dataDir], readable: [binDir], network: "none" });
  if (!sandboxed.ok) throw new Error(sandboxed.reason);
  const streamed: string[] = [];
  const outcome = await createTerraformRunner("terraform", { binary: bin }).plan(
    {
      project,
      checkoutDir: checkout,
      dataDir,
      extraArgs: [],
      env: {},
      timeoutMs: 60_000,
      redact: createRedactor(),
      onOutput: (chunk) => streamed.push(chunk),
      ...(workflow ? { workflow } : {}),
    },
    sandboxed.exec,
  );
  return { outcome, streamed: streamed.join("") };
}

const showFails = () => join(binDir, "terraform-show-fails");

describe("a plan whose show -json fails: nothing of its text leaves", () => {
  it("the default workflow (init, plan and show in one run): the live log withholds the plan's text and says why", async () => {
    const { outcome, streamed } = await planAfterApply("batched", showFails());
    expect(outcome).toMatchObject({ ok: false, failedStep: "show" });
    if (outcome.ok) return;
    // The attack: the plan's text, and the prior state's secret in it, went to the live log.
    expect(streamed).not.toContain(SECRET);
    expect(outcome.message).toMatch(/show exited with code 1/);
    expect(outcome.message).toMatch(/plan's output is withheld/);
    expect(outcome.output).toContain("Failed to read the given file");
    expect(`${outcome.message}${outcome.output}`).not.toContain(SECRET);
    expect(streamed).not.toContain("terraform_data.pw");
    expect(streamed).toMatch(/plan's output is withheld: only the plan's JSON/);
  });

  it("a custom workflow's plan step, show run on its own: the same", async () => {
    const { outcome, streamed } = await planAfterApply("custom", showFails(), {
      plan: [
        { kind: "init", extraArgs: [] },
        { kind: "plan", extraArgs: [] },
      ],
      apply: [],
    });
    expect(outcome).toMatchObject({ ok: false, failedStep: "show" });
    if (outcome.ok) return;
    expect(streamed).not.toContain(SECRET);
    expect(outcome.message).toMatch(/plan's output is withheld/);
    expect(`${outcome.message}${outcome.output}`).not.toContain(SECRET);
    expect(streamed).not.toContain("terraform_data.pw");
    expect(streamed).toMatch(/plan's output is withheld/);
  });

  it("control: the real terraform, whose show succeeds, streams the plan's text redacted, as before", async () => {
    const { outcome, streamed } = await planAfterApply("control", "terraform");
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    expect(outcome.summary.sensitiveValues).toContain(SECRET);
    expect(streamed).toContain("Plan: 1 to add, 0 to change, 1 to destroy");
    expect(streamed).toContain("[redacted]");
    expect(streamed).not.toContain(SECRET);
    expect(streamed).not.toMatch(/withheld/);
  });
});
