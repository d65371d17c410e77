import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";
import { writeFiles } from "../support/prior-state-secret.js";
import { TERRAGRUNT_STAND_IN, useTerragruntScratch } from "../support/terragrunt-prior-state.js";

// The apply's state-place check reads the backend terraform resolved in each copy terragrunt
// made of the unit (found by its terragrunt.hcl under the download dir). A copy it cannot find
// must not be taken for "no copy": the unit's own dir in the checkout is the PR's, and so is any
// `.terraform/terraform.tfstate` committed there.
const scratch = useTerragruntScratch("sluice-tg-place-");
// Deeper than the walk goes (16 levels under the download dir).
const deepSub = "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p";
beforeAll(async () => {
  const files: Record<string, string> = {
    // No backend: terraform keeps the state beside the config it runs, in Sluice's scratch copy.
    [`modules/deep/${deepSub}/main.tf`]: 'resource "terraform_data" "x" {\n  input = "x"\n}\n',
    "live/deep/terragrunt.hcl": `terraform {\n  source = "../../modules/deep//${deepSub}"\n}\n`,
    // What the PR commits to make the check believe the state is remote.
    "live/deep/.terraform/terraform.tfstate": JSON.stringify({ version: 3, backend: { type: "s3", config: {} } }),
    // The control: the same module one level down, where the check finds the copy.
    "modules/shallow/a/main.tf": 'resource "terraform_data" "x" {\n  input = "x"\n}\n',
    "live/shallow/terragrunt.hcl": 'terraform {\n  source = "../../modules/shallow//a"\n}\n',
    "live/shallow/.terraform/terraform.tfstate": JSON.stringify({ version: 3, backend: { type: "s3", config: {} } }),
  };
  // A module with more directories than the walk lists, the one terraform runs in last.
  for (let i = 0; i < 5_001; i++) files[`modules/wide/d${String(i).padStart(4, "0")}/x`] = "";
  files["modules/wide/zz/main.tf"] = 'resource "terraform_data" "x" {\n  input = "x"\n}\n';
  files["live/wide/terragrunt.hcl"] = 'terraform {\n  source = "../../modules/wide//zz"\n}\n';
  files["live/wide/.terraform/terraform.tfstate"] = JSON.stringify({ version: 3, backend: { type: "s3", config: {} } });
  await writeFiles(scratch.checkout, files);
});

describe("terragrunt state place: a copy the check cannot find", () => {
  const runner = createTerragruntRunner({ binary: TERRAGRUNT_STAND_IN });
  const planOf = async (dir: string) => runner.plan(scratch.planRequest(dir, `data-${dir.replaceAll("/", "-")}`), exec);

  it("control: a unit whose state is a local file in the scratch copy is refused, whatever the PR committed beside it", async () => {
    const plan = await planOf("live/shallow");
    expect(plan).toMatchObject({ ok: false, failedStep: "state" });
  });

  it("a copy deeper than the walk is not read as 'no copy' (the PR's committed backend file): refused at plan and at apply", async () => {
    const dataDir = join(scratch.root, "data-live-deep");
    const plan = await planOf("live/deep");
    expect(plan).toMatchObject({ ok: false, failedStep: "state" });
    expect(plan.ok ? "" : plan.message).toMatch(/could not find/);
    // The apply of that plan file is refused too, before terraform writes a state in the copy.
    const apply = await runner.apply(scratch.applyRequest("live/deep", "data-live-deep"), exec);
    expect(apply).toMatchObject({ ok: false, message: expect.stringMatching(/could not find/) });
    const cache = join(dataDir, "terragrunt-cache");
    const [copy] = await readdir(cache);
    expect(existsSync(join(cache, copy ?? "", deepSub, "terraform.tfstate"))).toBe(false);
  });

  it("a copy past the walk's count of directories is refused the same way", async () => {
    const plan = await planOf("live/wide");
    expect(plan).toMatchObject({ ok: false, failedStep: "state", message: expect.stringMatching(/more than 5000 directories/) });
  });

  it("a source copying the whole repository is planned: the other units' dirs in the copy are not where terraform ran", async () => {
    // A repository of its own (the one above holds a module too wide for the walk).
    const repo = join(scratch.root, "rooted");
    const files: Record<string, string> = {
      "modules/kept/main.tf": `terraform {\n  backend "local" {\n    path = "${join(scratch.root, "kept.tfstate")}"\n  }\n}\nresource "terraform_data" "x" {\n  input = "x"\n}\n`,
      "live/other/terragrunt.hcl": 'terraform {\n  source = "../../modules/kept"\n}\n',
      "live/rooted/terragrunt.hcl": 'terraform {\n  source = "../..//modules/kept"\n}\n',
    };
    await writeFiles(repo, files);
    const plan = await runner.plan({ ...scratch.planRequest("live/rooted", "data-rooted"), checkoutDir: repo }, exec);
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    expect(plan.summary.stateAt).toBe(`local file \`${join(scratch.root, "kept.tfstate")}\``);
  });
});
