import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Workflow } from "../../src/model/repo-config.js";
import { startHttpStateBackend } from "../support/http-state-backend.js";
import {
  applyRequest,
  NET,
  httpBackendEach,
  planNet,
  planRequest,
  plannedWithModule,
  scratchRoot,
  terraform,
} from "../support/terraform-scratch.js";

/**
 * `terraform apply` of a saved plan writes the state where the plan's backend says; the read-back
 * after it, the state commands and the place the comment names go through the backend file init
 * left in TF_DATA_DIR, which the plan's run can write (a provider, a PR's script a workflow runs).
 * A well-formed file naming another backend would have the read-back find a state the PR chose
 * while the apply wrote elsewhere: the plan and the apply compare it with the plan file's backend.
 */
const scratch = scratchRoot("sluice-backend-forged-");
/** A plan of `net/` (planned once before, in its own dir) by a workflow whose `run` step, after the plan, runs `script`. */
async function planThenRun(script: string) {
  const dir = scratch.next();
  const p = await plannedWithModule(dir);
  const workflow: Workflow = {
    plan: [
      { kind: "init", extraArgs: [] },
      { kind: "plan", extraArgs: [] },
      { kind: "run", argv: ["sh", "-c", script] },
    ],
    apply: [],
  };
  return terraform.plan(planRequest(p.checkout, join(dir, "plan2"), { workflow }), exec);
}

const forged = (path: string) => JSON.stringify({ version: 3, backend: { type: "local", config: { path, workspace_dir: null }, hash: 1 } });

describe("a backend file that does not name the plan's backend", () => {
  it("an apply is refused before anything runs, the state untouched", async () => {
    const p = await plannedWithModule(scratch.next());
    const backendFile = join(p.dataDir, ".terraform", "terraform.tfstate");
    await writeFile(backendFile, forged(join(p.dir, "decoy.tfstate")));
    const result = await terraform.apply(applyRequest(p.checkout, p.dataDir, p.planFile), exec);
    expect(result).toMatchObject({ ok: false, untouched: true });
    expect(!result.ok && result.message).toBe(
      "the `local` backend's settings in TF_DATA_DIR are not those the plan file was made with: the state would not be read back where the apply writes it; plan again",
    );
    expect(existsSync(p.state)).toBe(false);
    expect(existsSync(join(p.dir, "decoy.tfstate"))).toBe(false);
  });

  it("control: with the file init wrote, the apply writes the state where the plan's backend says", async () => {
    const p = await plannedWithModule(scratch.next());
    const result = await terraform.apply(applyRequest(p.checkout, p.dataDir, p.planFile), exec);
    if (!result.ok) throw new Error(`${result.message}\n${result.output}`);
    expect(JSON.parse(await readFile(p.state, "utf8")).resources.length).toBe(2);
  });

  it("a plan whose run rewrote the file is refused at its state step; the same run leaving it planned", async () => {
    const rewritten = await planThenRun(`printf '%s' '${forged("/elsewhere.tfstate")}' > "$TF_DATA_DIR/terraform.tfstate"`);
    expect(rewritten).toMatchObject({ ok: false, failedStep: "state" });
    expect(!rewritten.ok && rewritten.message).toContain("are not those the plan file was made with");
    const left = await planThenRun("true");
    if (!left.ok) throw new Error(`${left.message}\n${left.output}`);
  });
});

/**
 * The apply's own run starts the PR's code too (a `local-exec` provisioner, a provider, a `run`
 * step): a backend file it rewrites after the check before the steps would have the read-back
 * find the state the PR chose, while the apply wrote (or lost) it in the plan's backend.
 */
describe("a backend file rewritten while the apply runs", () => {
  const http = httpBackendEach();
  const decoyState = (lineage: string) =>
    JSON.stringify({
      version: 4,
      terraform_version: "1.11.4",
      serial: 7,
      lineage,
      outputs: {},
      resources: [
        {
          mode: "managed",
          type: "terraform_data",
          name: "net",
          provider: 'provider["terraform.io/builtin/terraform"]',
          instances: [
            {
              schema_version: 0,
              attributes: { id: "decoy", input: { value: "net", type: "string" }, output: null, triggers_replace: null },
            },
          ],
        },
      ],
      check_results: null,
    });
  const planned = async (provisioner: string) => {
    const checkout = join(scratch.next(), "checkout");
    await http.write(
      checkout,
      `resource "terraform_data" "net" {\n  input = "net"\n  provisioner "local-exec" {\n    command = <<-EOT\n${provisioner}\n    EOT\n  }\n}\n`,
    );
    const dataDir = join(checkout, "..", "plan");
    const planFile = await planNet(checkout, dataDir);
    // A backend that acknowledges writes and keeps nothing: what the read-back is there to catch.
    http.backend().dropWrites = true;
    return terraform.apply(applyRequest(checkout, dataDir, planFile, { checkoutStateAllowed: true }), exec);
  };

  it("the apply is not reported applied: its state was read back where the PR chose", async () => {
    // The PR's own http backend, holding a state that looks applied.
    const decoy = await startHttpStateBackend();
    try {
      decoy.state = decoyState("00000000-0000-0000-0000-00000000dec0");
      // The same backend type and block hash (terraform takes the file as it is), another address.
      const forgedAt = `sed -i 's|${http.backend().url}|${decoy.url}|' "$TF_DATA_DIR/terraform.tfstate"`;
      const result = await planned(forgedAt);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.message).toContain("are not those the plan file was made with");
    } finally {
      await decoy.close();
    }
  });

  it("a key terraform (Go) reads case-insensitively, where JSON.parse reads another: the apply is refused untouched", async () => {
    const decoy = await startHttpStateBackend();
    try {
      decoy.state = decoyState("00000000-0000-0000-0000-00000000dec1");
      const checkout = join(scratch.next(), "checkout");
      await http.write(checkout, 'resource "terraform_data" "net" {\n  input = "net"\n}\n');
      const dataDir = join(checkout, "..", "plan");
      const planFile = await planNet(checkout, dataDir);
      http.backend().dropWrites = true;
      // `backend.config` as init wrote it, and a `Config` after it: Go's encoding/json takes the
      // last key matching the field case-insensitively (the decoy), JSON.parse the exact `config`.
      const backendFile = join(dataDir, ".terraform", "terraform.tfstate");
      const file = JSON.parse(await readFile(backendFile, "utf8"));
      file.backend.Config = { ...file.backend.config, address: decoy.url };
      await writeFile(backendFile, JSON.stringify(file));
      const result = await terraform.apply(applyRequest(checkout, dataDir, planFile), exec);
      expect(result).toMatchObject({ ok: false, untouched: true });
      expect(decoy.posts + http.backend().posts).toBe(0);
    } finally {
      await decoy.close();
    }
  });

  it("control: the same provisioner leaving the file, the dropped write is caught by the read-back", async () => {
    const result = await planned("true");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).not.toContain("are not those the plan file was made with");
  });
});

/**
 * Terraform 1.11's apply of a saved plan writes the state in the workspace selected when it runs
 * (TF_WORKSPACE, else TF_DATA_DIR/environment), not in the one the plan file names: a project of
 * the default workspace runs without TF_WORKSPACE, so an `environment` file the plan's run wrote
 * after `terraform plan` (a provider at `show`, a PR's script) chose where the apply wrote.
 */
describe("a workspace selected in TF_DATA_DIR after the plan", () => {
  const select = async (p: { checkout: string; dataDir: string }, name: string) => {
    await mkdir(join(p.checkout, "net/terraform.tfstate.d", name), { recursive: true });
    await writeFile(join(p.dataDir, ".terraform", "environment"), name);
  };

  it("an apply is refused before anything runs, the state untouched", async () => {
    const p = await plannedWithModule(scratch.next());
    await select(p, "decoy");
    const result = await terraform.apply(applyRequest(p.checkout, p.dataDir, p.planFile), exec);
    expect(result).toMatchObject({ ok: false, untouched: true });
    expect(!result.ok && result.message).toBe(
      "TF_DATA_DIR selects workspace `decoy`, not the project's `default`: the apply would write that workspace's state; plan again",
    );
    expect(existsSync(join(p.checkout, "net/terraform.tfstate.d/decoy/terraform.tfstate"))).toBe(false);
    expect(existsSync(p.state)).toBe(false);
  });

  it("control: the default workspace selected there, the apply writes the plan's state", async () => {
    const p = await plannedWithModule(scratch.next());
    await writeFile(join(p.dataDir, ".terraform", "environment"), "default\n");
    const result = await terraform.apply(applyRequest(p.checkout, p.dataDir, p.planFile), exec);
    if (!result.ok) throw new Error(`${result.message}\n${result.output}`);
    expect(JSON.parse(await readFile(p.state, "utf8")).resources.length).toBe(2);
  });

  it("a plan whose run selected another workspace is refused at its state step", async () => {
    const planned = await planThenRun('mkdir -p terraform.tfstate.d/decoy && printf decoy > "$TF_DATA_DIR/environment"');
    expect(planned).toMatchObject({ ok: false, failedStep: "state" });
    expect(!planned.ok && planned.message).toContain("TF_DATA_DIR selects workspace `decoy`");
  });

  it("an apply whose own run selected another workspace is not reported applied", async () => {
    const p = await plannedWithModule(scratch.next());
    const workflow: Workflow = {
      plan: [],
      apply: [
        { kind: "apply", extraArgs: [] },
        { kind: "run", argv: ["sh", "-c", 'mkdir -p terraform.tfstate.d/decoy && printf decoy > "$TF_DATA_DIR/environment"'] },
      ],
    };
    const result = await terraform.apply(applyRequest(p.checkout, p.dataDir, p.planFile, { workflow }), exec);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain("TF_DATA_DIR selects workspace `decoy`");
  });

  it("control: a project of another workspace plans and applies, here and on another replica (TF_DATA_DIR set up again)", async () => {
    for (const elsewhere of [false, true]) {
      const dir = scratch.next();
      const checkout = join(dir, "checkout");
      await mkdir(join(checkout, "net"), { recursive: true });
      await writeFile(
        join(checkout, "net/main.tf"),
        `terraform {\n  backend "local" {\n    workspace_dir = "${join(dir, "states")}"\n  }\n}\nresource "terraform_data" "net" {\n  input = "net"\n}\n`,
      );
      const project = { ...NET, workspace: "staging" };
      const dataDir = join(dir, "plan");
      const planned = await terraform.plan(planRequest(checkout, dataDir, { project }), exec);
      if (!planned.ok) throw new Error(`${planned.message}\n${planned.output}`);
      if (elsewhere) await rm(join(dataDir, ".terraform"), { recursive: true });
      const result = await terraform.apply(applyRequest(checkout, dataDir, planned.planFile, { project }), exec);
      if (!result.ok) throw new Error(`${result.message}\n${result.output}`);
      expect(existsSync(join(dir, "states/staging/terraform.tfstate"))).toBe(true);
    }
  });
});
