import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ExecOptions, exec } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import { planRequest, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * A workflow step that writes past the disk limit and exits before the first measure (a second in)
 * is over it all the same: the measure at its end finds it, and the plan fails there, where a later
 * step could remove what it wrote and the plan went on as if the limit had held.
 */
const scratch = scratchRoot("sluice-steps-disk-");
const LIMIT = 2 * 1024 * 1024;

async function planWriting(bytes: number) {
  const root = scratch.next();
  const checkoutDir = join(root, "checkout");
  const dataDir = join(root, "plan");
  await mkdir(join(checkoutDir, "net"), { recursive: true });
  await mkdir(dataDir);
  await writeFile(join(checkoutDir, "net/main.tf"), 'resource "terraform_data" "net" {\n  input = "net"\n}\n');
  // The limits without bwrap (`sandbox: off` keeps them): the run's dirs are the checkout and its plan dir.
  const limited: Exec = (file, args, opts: ExecOptions) =>
    exec(file, args, { ...opts, sandbox: { limits: { diskBytes: LIMIT }, diskDirs: [checkoutDir, dataDir] } });
  const workflow = {
    plan: [
      { kind: "init" as const, extraArgs: [] },
      { kind: "run" as const, argv: ["sh", "-c", `head -c ${bytes} /dev/zero > big`] },
      { kind: "run" as const, argv: ["rm", "big"] },
      { kind: "plan" as const, extraArgs: [] },
    ],
    apply: [],
  };
  return terraform.plan(planRequest(checkoutDir, dataDir, { workflow }), limited);
}

describe("a plan step over the disk limit at its end", () => {
  it("fails the plan at that step, though a later step removed what it wrote", async () => {
    const outcome = await planWriting(3_000_000);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failedStep).toBe("run sh");
    expect(outcome.message).toMatch(/disk limit \(2 MiB\)/);
    // Nothing stopped it: it exited by itself, and that is said with its code.
    expect(outcome.message).toContain("exited with code 0; its dirs were measured at its end");
    expect(outcome.message).not.toContain("stopped");
  });

  it("control: a step that stays under the limit plans", async () => {
    const outcome = await planWriting(100_000);
    if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
    expect(outcome.summary).toBeDefined();
  });
});
