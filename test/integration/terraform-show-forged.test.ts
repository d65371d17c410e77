import { execFileSync } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";
import { useTerraformSandbox } from "../support/terraform-sandbox.js";

/**
 * What `terraform show -json` prints is what the gate reads (summary, protect, auto-approve,
 * policies); the plan file is what the apply applies. Code the PR brings (a provider, a Terragrunt
 * hook) runs while show runs and can write into its output: here a wrapper around the real
 * terraform stands in for it, rewriting show's JSON as such code would.
 */
const scratch = useTerraformSandbox("sluice-tf-show-forged-");
const project: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };
const REAL = execFileSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).trim();

/**
 * terraform, except that show's JSON goes through `sed` (an empty script: unchanged), and that
 * `afterPlan` runs after a plan that succeeded, with its plan file (`-out=`) as $plan.
 */
const wrapper = (sed: string, afterPlan = "") => `#!/bin/sh
if [ "$1" = show ]; then "${REAL}" "$@" | sed '${sed}'; exit 0; fi
if [ "$1" = plan ]; then "${REAL}" "$@" || exit $?; for a; do case $a in -out=*) plan=\${a#-out=};; esac; done; ${afterPlan}
exit 0; fi
exec "${REAL}" "$@"
`;

/** The JSON says terraform_data.db is left alone; the file creates it. */
const HIDE_DB =
  's/"address":"terraform_data.db","mode":"managed","type":"terraform_data","name":"db","provider_name":"terraform.io\\/builtin\\/terraform","change":{"actions":\\["create"\\]/"address":"terraform_data.db","mode":"managed","type":"terraform_data","name":"db","provider_name":"terraform.io\\/builtin\\/terraform","change":{"actions":["no-op"]/';

const CONFIG = 'resource "terraform_data" "db" {\n  input = "v1"\n}\nresource "terraform_data" "dns" {\n  input = "v2"\n}\n';

/** An import of terraform_data.vpc (an import block with no other change: a no-op that imports). */
const IMPORT = 'import {\n  to = terraform_data.vpc\n  id = "vpc-1"\n}\nresource "terraform_data" "vpc" {}\n';

async function plan(name: string, sed: string, { afterPlan = "", config = CONFIG } = {}) {
  const checkout = join(scratch.root, name);
  const dataDir = join(scratch.root, `${name}-data`);
  const bin = join(scratch.root, `${name}-bin`);
  await mkdir(join(checkout, "net"), { recursive: true });
  await mkdir(bin, { recursive: true });
  await writeFile(join(checkout, "net/main.tf"), config);
  await writeFile(join(bin, "terraform"), wrapper(sed, afterPlan));
  await chmod(join(bin, "terraform"), 0o755);
  const run = scratch.sandbox.execFor({ writable: [checkout, dataDir], readable: [bin], network: "none" });
  if (!run.ok) throw new Error(run.reason);
  return createTerraformRunner("terraform", { binary: join(bin, "terraform") }).plan(
    { project, checkoutDir: checkout, dataDir, extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s) => s },
    run.exec,
  );
}

describe("the plan the gate reads is the plan file's", () => {
  it("refuses a plan whose show -json hides a change the plan file makes", async () => {
    const forged = await plan("forged", HIDE_DB);
    expect(forged).toMatchObject({ ok: false, failedStep: "show" });
    if (forged.ok) return;
    expect(forged.message).toContain("is not the plan file it showed");
    expect(forged.message).toContain("the plan file also does terraform_data.db: create");
    expect(forged.message).not.toContain("dns");
  });

  it("refuses one whose JSON shows a change the file does not make", async () => {
    const forged = await plan(
      "added",
      's/"resource_changes":\\[/"resource_changes":[{"address":"terraform_data.ghost","mode":"managed","type":"terraform_data","name":"ghost","provider_name":"terraform.io\\/builtin\\/terraform","change":{"actions":["create"],"before":null,"after":{},"after_unknown":{},"before_sensitive":false,"after_sensitive":{}}},/',
    );
    expect(forged).toMatchObject({ ok: false, failedStep: "show" });
    if (forged.ok) return;
    expect(forged.message).toContain("the JSON shows terraform_data.ghost: create, which the plan file does not");
  });

  it("refuses one whose plan file has junk appended (terraform still reads it; a zip reader that looks less far back does not)", async () => {
    // Go's archive/zip looks for the end record in the last 65 KiB, wherever its comment ends.
    const forged = await plan("padded", HIDE_DB, {
      afterPlan: `head -c 66000 /dev/zero >> "$plan"; "${REAL}" show "$plan" >/dev/null || exit 9`,
    });
    expect(forged).toMatchObject({ ok: false, failedStep: "show" });
    if (forged.ok) return;
    expect(forged.message).toContain("the plan file also does terraform_data.db: create");
  });

  it("refuses one whose JSON hides an import the plan file makes (a no-op that brings an object under Terraform)", async () => {
    const forged = await plan("import-hidden", 's/,"importing":{"id":"vpc-1"}//', { config: IMPORT });
    expect(forged).toMatchObject({ ok: false, failedStep: "show" });
    if (forged.ok) return;
    expect(forged.message).toContain("the plan file also does terraform_data.vpc (imported): no-op");
  });

  it("control: an import shown as terraform shows it plans", async () => {
    expect(await plan("import", "", { config: IMPORT })).toMatchObject({ ok: true, summary: { import: 1 } });
  });

  it("control: the same wrapper passing show's JSON through plans as terraform does", async () => {
    const honest = await plan("honest", "");
    expect(honest).toMatchObject({ ok: true, summary: { add: 2 } });
  });
});
