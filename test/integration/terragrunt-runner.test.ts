// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt and Terraform (HCL) text
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";
import { writeFiles } from "../support/prior-state-secret.js";
import { TERRAGRUNT_STAND_IN, terragruntUnit as unit, useTerragruntScratch } from "../support/terragrunt-prior-state.js";

// terragrunt cannot be installed here: the stand-in follows its documented CLI and runs the real
// terraform (README: Terragrunt support was not run against a real terragrunt).
const scratch = useTerragruntScratch("sluice-terragrunt-");
const { env } = scratch;
beforeAll(async () => {
  const files: Record<string, string> = {
    "modules/db/main.tf": [
      'variable "name" {\n  type = string\n}',
      'variable "password" {\n  type      = string\n  sensitive = true\n}',
      `terraform {\n  backend "local" {\n    path = "${join(scratch.root, "state.tfstate")}"\n  }\n}`,
      'resource "terraform_data" "db" {\n  input = var.name\n}',
      'resource "terraform_data" "secret" {\n  input = var.password\n}',
      'output "id" {\n  value = terraform_data.db.input\n}\n',
    ].join("\n"),
    "live/common.hcl": 'inputs = {\n  password = "hunter2-secret"\n}\n',
    "live/db/terragrunt.hcl":
      'include "common" {\n  path = find_in_parent_folders("common.hcl")\n}\nterraform {\n  source = "../../modules//db"\n}\ninputs = {\n  name = "db"\n}\n',
    "modules/nostate/main.tf": 'resource "terraform_data" "x" {\n  input = "x"\n}\n',
    "live/nostate/terragrunt.hcl": 'terraform {\n  source = "../../modules/nostate"\n}\n',
    "live/app/terragrunt.hcl":
      'include "common" {\n  path = find_in_parent_folders("common.hcl")\n}\nterraform {\n  source = "../../modules/db"\n}\ndependency "db" {\n  config_path = "../db"\n  mock_outputs = {\n    id = "mock-db"\n  }\n  mock_outputs_allowed_terraform_commands = ["plan", "show"]\n}\ninputs = {\n  name = "app-on-${dependency.db.outputs.id}"\n}\n',
  };
  await writeFiles(scratch.checkout, files);
});

const redact = (s: string) => s.replaceAll("hunter2-secret", "[redacted]");

function recording(): { exec: Exec; calls: { file: string; args: string[] }[] } {
  const calls: { file: string; args: string[] }[] = [];
  return {
    calls,
    exec: (file, args, opts) => {
      calls.push({ file, args });
      return exec(file, args, opts);
    },
  };
}

describe("terragrunt runner through the stand-in and real terraform", () => {
  const runner = createTerragruntRunner({ binary: TERRAGRUNT_STAND_IN });

  it("plans a unit from its included inputs and local source, shows the plan as Terraform's, applies exactly that file", async () => {
    const dataDir = join(scratch.root, "data-db");
    const r = recording();
    const plan = await runner.plan(
      { project: unit("live/db"), checkoutDir: scratch.checkout, dataDir, extraArgs: [], env: env(), timeoutMs: 60_000, redact },
      r.exec,
    );
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    expect(r.calls.map((c) => c.args[0])).toEqual(["plan", "show"]);
    expect(plan.summary).toMatchObject({ add: 2, change: 0, destroy: 0 });
    // The sensitive input is known from the plan JSON, and the plan's text never shows it.
    expect(plan.summary.sensitiveValues).toContain("hunter2-secret");
    expect(plan.output).not.toContain("hunter2-secret");
    // The source was copied into the scratch dir, never into the checkout.
    expect(existsSync(join(scratch.checkout, "live/db/.terragrunt-cache"))).toBe(false);
    expect((await readdir(join(dataDir, "terragrunt-cache"))).length).toBe(1);

    const applied = recording();
    const result = await runner.apply(
      {
        project: unit("live/db"),
        checkoutDir: scratch.checkout,
        dataDir,
        planFile: plan.planFile,
        env: env(),
        timeoutMs: 60_000,
        redactWith: () => redact,
      },
      applied.exec,
    );
    expect(result).toMatchObject({ ok: true, sensitiveValues: ["hunter2-secret"] });
    // The saved plan shown, applied, and the state read back through the backend (`run -- state pull`).
    expect(applied.calls.map((c) => c.args[0])).toEqual(["show", "apply", "run"]);
    expect(applied.calls[1]?.args.at(-1)).toBe(plan.planFile);
    expect(applied.calls[2]?.args.slice(-3)).toEqual(["--", "state", "pull"]);
    expect(result).toMatchObject({ readBack: { serialAfter: expect.any(Number), checked: 2 } });
    const state = JSON.parse(await readFile(join(scratch.root, "state.tfstate"), "utf8")) as { outputs: { id: { value: string } } };
    expect(state.outputs.id.value).toBe("db");
  });

  it("a unit without remote_state (its state in Sluice's scratch copy) is refused at plan, saying why", async () => {
    const plan = await runner.plan(
      {
        project: unit("live/nostate"),
        checkoutDir: scratch.checkout,
        dataDir: join(scratch.root, "data-nostate"),
        extraArgs: [],
        env: env(),
        timeoutMs: 60_000,
        redact,
      },
      exec,
    );
    expect(plan).toMatchObject({ ok: false, failedStep: "state" });
    expect(plan.ok ? "" : plan.message).toMatch(/copy of the unit .*remote_state/);
  });

  it("plans a dependent unit with its dependency's mock outputs", async () => {
    const plan = await runner.plan(
      {
        project: unit("live/app"),
        checkoutDir: scratch.checkout,
        dataDir: join(scratch.root, "data-app"),
        extraArgs: [],
        env: env(),
        timeoutMs: 60_000,
        redact,
      },
      exec,
    );
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    expect(plan.output).toContain('"app-on-mock-db"');
  });

  it("a failing terragrunt is a failed plan with its message, not a fault", async () => {
    await mkdir(join(scratch.checkout, "live/broken"), { recursive: true });
    await writeFile(join(scratch.checkout, "live/broken/terragrunt.hcl"), 'terraform {\n  source = "../../modules/nope"\n}\n');
    const plan = await runner.plan(
      {
        project: unit("live/broken"),
        checkoutDir: scratch.checkout,
        dataDir: join(scratch.root, "data-broken"),
        extraArgs: [],
        env: env(),
        timeoutMs: 60_000,
        redact,
      },
      exec,
    );
    expect(plan).toMatchObject({ ok: false, failedStep: "plan", message: expect.stringContaining("exited with code 1") });
    expect(plan.ok ? "" : plan.output).toContain("is not a directory");
  });

  it("a -var-file from the comment that leads outside the checkout (a symlink the PR commits) is refused before anything runs", async () => {
    // With `sandbox: off` terraform would read the server file and quote it in its error.
    await mkdir(join(scratch.checkout, "live/vars"), { recursive: true });
    await writeFile(
      join(scratch.checkout, "live/vars/terragrunt.hcl"),
      'include "common" {\n  path = find_in_parent_folders("common.hcl")\n}\nterraform {\n  source = "../../modules//db"\n}\n',
    );
    await writeFile(join(scratch.root, "server-file.txt"), "root:x:0:0:SERVER-ONLY-LINE\n");
    await symlink(join(scratch.root, "server-file.txt"), join(scratch.checkout, "live/vars/evil.tfvars"));
    await writeFile(join(scratch.checkout, "live/vars/inside.tfvars"), 'name = "from-a-var-file"\n');
    const plan = (file: string, r = recording()) =>
      runner.plan(
        {
          project: unit("live/vars"),
          checkoutDir: scratch.checkout,
          dataDir: join(scratch.root, `data-vars-${file}`),
          extraArgs: [`-var-file=${file}`],
          env: env(),
          timeoutMs: 60_000,
          redact,
        },
        r.exec,
      );
    const r = recording();
    const evil = await plan("evil.tfvars", r);
    expect(evil).toMatchObject({ ok: false, failedStep: "arguments" });
    expect(JSON.stringify(evil)).not.toContain("SERVER-ONLY-LINE");
    expect(r.calls).toEqual([]);
    // Control: a var file of the unit's own is passed on, as Terraform projects' are (the link is
    // gone: the stand-in copies the unit's files again at `show`, and cannot copy a link twice).
    await rm(join(scratch.checkout, "live/vars/evil.tfvars"));
    const inside = await plan("inside.tfvars");
    if (!inside.ok) throw new Error(`${inside.message}\n${inside.output}`);
    expect(inside.summary.hasChanges).toBe(true);
  });

  it("a project dir without terragrunt.hcl, or outside the checkout, is refused before anything runs", async () => {
    const r = recording();
    const base = {
      checkoutDir: scratch.checkout,
      dataDir: join(scratch.root, "data-x"),
      extraArgs: [],
      env: env(),
      timeoutMs: 60_000,
      redact,
    };
    expect(await runner.plan({ ...base, project: unit("modules/db") }, r.exec)).toMatchObject({ ok: false, failedStep: "checkout" });
    expect(await runner.plan({ ...base, project: unit("../..") }, r.exec)).toMatchObject({ ok: false, failedStep: "checkout" });
    expect(r.calls).toEqual([]);
  });
});
