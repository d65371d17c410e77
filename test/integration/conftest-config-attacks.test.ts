import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPolicyCheck } from "../../runners/conftest/run-policy-check.js";
import { exec } from "../../runners/exec.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Project } from "../../src/model/project.js";

// conftest reads its settings from flags, CONFTEST_* variables and a `conftest.toml` in its working
// directory (conftest's own command setup: the config file is looked for in "."). The stand-in
// does the same for the keys it knows. A project dir is the PR's: a `conftest.toml` there must not
// change how the server's policies are evaluated (`combine = true` hands the rules an array,
// where a plan's `resource_changes` is never found, so every deny passes).
const STAND_IN = fileURLToPath(new URL("../fixtures/conftest/conftest", import.meta.url));
const DENY = { deny: [{ type: "terraform_data", action: "create", msg: "{address}: new terraform_data needs a review" }] };

let root = "";
let policies = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-conftest-config-"));
  policies = join(root, "policies", "no_data");
  await mkdir(policies, { recursive: true });
  await writeFile(join(policies, "rule.json"), JSON.stringify(DENY));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const project: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };

describe("conftest settings a pull request commits", () => {
  it("control: the stand-in, as conftest, takes `combine` from a conftest.toml in its working directory", async () => {
    const cwd = join(root, "cwd");
    await mkdir(cwd, { recursive: true });
    const showFile = join(root, "plan.json");
    await writeFile(
      showFile,
      JSON.stringify({ resource_changes: [{ address: "terraform_data.x", type: "terraform_data", change: { actions: ["create"] } }] }),
    );
    const run = (c: string) =>
      exec(STAND_IN, ["test", "--no-color", "--output", "json", "-p", policies, showFile], {
        cwd: c,
        env: {},
        timeoutMs: 30_000,
        redact: (s) => s,
      });
    expect((await run(cwd)).exitCode).toBe(1);
    await writeFile(join(cwd, "conftest.toml"), "combine = true\n");
    expect((await run(cwd)).exitCode).toBe(0);
    // And from CONFTEST_ variables, as conftest's settings are.
    const viaEnv = await exec(STAND_IN, ["test", "--no-color", "--output", "json", "-p", policies, showFile], {
      cwd: root,
      env: { CONFTEST_COMBINE: "true" },
      timeoutMs: 30_000,
      redact: (s) => s,
    });
    expect(viaEnv.exitCode).toBe(0);
  });

  it("a conftest.toml in the project dir does not turn a failed policy into a pass", async () => {
    const checkout = join(root, "checkout");
    await mkdir(join(checkout, "net"), { recursive: true });
    await writeFile(join(checkout, "net/main.tf"), 'resource "terraform_data" "net" {\n  input = "net"\n}\n');
    await writeFile(join(checkout, "net/conftest.toml"), "combine = true\n");
    const outcome = await createTerraformRunner("terraform").plan(
      {
        project,
        checkoutDir: checkout,
        dataDir: join(root, "plan"),
        extraArgs: [],
        env: {},
        timeoutMs: 60_000,
        redact: (s) => s,
        policyCheck: { binary: STAND_IN, sets: [{ name: "no_data", path: policies }], extraArgs: [] },
      },
      exec,
    );
    if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
    expect(outcome.policy?.sets).toEqual([
      expect.objectContaining({ name: "no_data", status: "failed", failures: ["terraform_data.net: new terraform_data needs a review"] }),
    ]);
  });

  it("a policy set that is one file runs conftest where no run writes", async () => {
    const showFile = join(root, "plan2.json");
    await writeFile(
      showFile,
      JSON.stringify({ resource_changes: [{ address: "terraform_data.x", type: "terraform_data", change: { actions: ["create"] } }] }),
    );
    const check = await runPolicyCheck(
      exec,
      { binary: STAND_IN, sets: [{ name: "no_data", path: join(policies, "rule.json") }], extraArgs: [] },
      { showFile, env: {}, timeoutMs: 30_000, redact: (s) => s },
    );
    expect(check.sets).toEqual([expect.objectContaining({ name: "no_data", status: "failed" })]);
  });

  it("a repository workflow's env step naming a CONFTEST_ variable does not reach conftest", async () => {
    const checkout = join(root, "checkout-env");
    await mkdir(join(checkout, "net"), { recursive: true });
    await writeFile(join(checkout, "net/main.tf"), 'resource "terraform_data" "net" {\n  input = "net"\n}\n');
    const outcome = await createTerraformRunner("terraform").plan(
      {
        project,
        checkoutDir: checkout,
        dataDir: join(root, "plan-env"),
        extraArgs: [],
        env: {},
        timeoutMs: 60_000,
        redact: (s) => s,
        workflow: {
          plan: [
            { kind: "env", name: "CONFTEST_COMBINE", value: "true" },
            { kind: "init", extraArgs: [] },
            { kind: "plan", extraArgs: [] },
          ],
          apply: [],
        },
        policyCheck: { binary: STAND_IN, sets: [{ name: "no_data", path: policies }], extraArgs: [] },
      },
      exec,
    );
    if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
    expect(outcome.policy?.sets).toEqual([expect.objectContaining({ name: "no_data", status: "failed" })]);
  });
});
