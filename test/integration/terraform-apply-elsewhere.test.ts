import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import type { Workflow } from "../../src/model/repo-config.js";
import { NET, applyRequest, plannedWithModule, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * A saved plan applied from another data dir than the one it was planned in (another replica,
 * or a copy of the store's bytes): real terraform, the runner sets the project up again first.
 */
const scratch = scratchRoot("sluice-tf-elsewhere-");

const MIRROR = "/opt/tf-plugins";

const planned = (workflow?: Workflow) => plannedWithModule(scratch.next(), workflow);

async function apply(p: Awaited<ReturnType<typeof planned>>, dataDir: string, planFile: string) {
  const calls: string[][] = [];
  const recording: Exec = (file, args, opts) => {
    calls.push(args);
    return exec(file, args, opts);
  };
  return { result: await terraform.apply(applyRequest(p.checkout, dataDir, planFile, { workflow: p.workflow }), recording), calls };
}

const resources = async (state: string) =>
  (JSON.parse(await readFile(state, "utf8")) as { resources: { name: string }[] }).resources.map((r) => r.name).sort();

describe("terraform apply of a saved plan in a new data dir", () => {
  it("runs init there first (no TF_DATA_DIR yet), then applies the copy", async () => {
    const p = await planned();
    const copyDir = join(p.dir, "copy");
    await mkdir(copyDir);
    const copy = join(copyDir, "plan.tfplan");
    await copyFile(p.planFile, copy);
    const { result, calls } = await apply(p, copyDir, copy);
    expect(result).toMatchObject({ ok: true });
    // The state before is the one the plan was made against (in the plan); after the apply, a fresh run reads it back.
    expect(calls.map((c) => c[0])).toEqual(["init", "show", "apply", "state"]);
    expect(await resources(p.state)).toEqual(["label", "net"]);
  });

  it("runs the plan workflow's init steps, with their arguments", async () => {
    const workflow: Workflow = {
      plan: [
        { kind: "env", name: "TF_LOG", value: "" },
        { kind: "init", extraArgs: ["-upgrade=false"] },
        { kind: "plan", extraArgs: [] },
      ],
      apply: [{ kind: "apply", extraArgs: [] }],
    };
    const p = await planned(workflow);
    const copyDir = join(p.dir, "copy");
    await mkdir(copyDir);
    await copyFile(p.planFile, join(copyDir, "plan.tfplan"));
    const { result, calls } = await apply(p, copyDir, join(copyDir, "plan.tfplan"));
    expect(result).toMatchObject({ ok: true });
    expect(calls[0]).toEqual(["init", "-input=false", "-no-color", "-upgrade=false"]);
  });

  // A provider the apply cannot run without: the aws provider from this machine's filesystem
  // mirror (no download). Without it (another machine), only the built-in provider cases above run.
  it.skipIf(!existsSync(MIRROR))(
    "installs the providers the plan was made with, from the lock file saved in the plan, before the apply",
    async () => {
      const dir = scratch.next();
      const tfrc = join(dir, "terraformrc");
      await mkdir(dir, { recursive: true });
      await writeFile(
        tfrc,
        `provider_installation {\n  filesystem_mirror {\n    path = "${MIRROR}"\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
      );
      const main = `terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n  backend "local" {\n    path = "${join(dir, "aws.tfstate")}"\n  }\n}\nresource "terraform_data" "x" {\n  input = "x"\n}\n`;
      // Two checkouts of the same commit (two replicas): neither has a committed lock file.
      for (const c of ["a", "b"]) {
        await mkdir(join(dir, c, "net"), { recursive: true });
        await writeFile(join(dir, c, "net/main.tf"), main);
      }
      const env = { TF_CLI_CONFIG_FILE: tfrc };
      const plan = await terraform.plan(
        { project: NET, checkoutDir: join(dir, "a"), dataDir: join(dir, "plan"), extraArgs: [], env, timeoutMs: 120_000, redact: (s) => s },
        exec,
      );
      if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
      const copyDir = join(dir, "copy");
      await mkdir(copyDir);
      await copyFile(plan.planFile, join(copyDir, "plan.tfplan"));
      const lockB = join(dir, "b/net/.terraform.lock.hcl");
      let lockAtInit: string | undefined;
      const recording: Exec = async (file, args, opts) => {
        if (args[0] === "init") lockAtInit = await readFile(lockB, "utf8").catch(() => undefined);
        return exec(file, args, opts);
      };
      const req = applyRequest(join(dir, "b"), copyDir, join(copyDir, "plan.tfplan"), { env, timeoutMs: 120_000 });
      const result = await terraform.apply(req, recording);
      expect(result).toMatchObject({ ok: true });
      // Init found the plan's selections in place: the same lock file replica A's init wrote.
      expect(lockAtInit).toBe(await readFile(join(dir, "a/net/.terraform.lock.hcl"), "utf8"));
      expect(lockAtInit).toContain('provider "registry.terraform.io/hashicorp/aws"');
    },
    180_000,
  );

  it("does not init again where the plan was made (the fast path)", async () => {
    const p = await planned();
    const { result, calls } = await apply(p, join(p.dir, "plan"), p.planFile);
    expect(result).toMatchObject({ ok: true });
    expect(calls.map((c) => c[0])).toEqual(["show", "apply", "state"]);
  });
});
