import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Workflow } from "../../src/model/repo-config.js";
import { applyRequest, planRequest, plannedWithModule, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * `terraform apply` of a saved plan writes the state where the plan's backend says; the read-back
 * after it, the state commands and the place the comment names go through the backend file init
 * left in TF_DATA_DIR, which the plan's run can write (a provider, a PR's script a workflow runs).
 * A well-formed file naming another backend would have the read-back find a state the PR chose
 * while the apply wrote elsewhere: the plan and the apply compare it with the plan file's backend.
 */
const scratch = scratchRoot("sluice-backend-forged-");
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
    const planWith = async (script: string) => {
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
    };
    const rewritten = await planWith(`printf '%s' '${forged("/elsewhere.tfstate")}' > "$TF_DATA_DIR/terraform.tfstate"`);
    expect(rewritten).toMatchObject({ ok: false, failedStep: "state" });
    expect(!rewritten.ok && rewritten.message).toContain("are not those the plan file was made with");
    const left = await planWith("true");
    if (!left.ok) throw new Error(`${left.message}\n${left.output}`);
  });
});
