import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planFileHere } from "../../src/jobs/plan-file-here.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-plan-here-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = Buffer.from("plan bytes\n");
const plan = { id: 7, planPath: "/elsewhere/plan-1/plan.tfplan", planHash: createHash("sha256").update(bytes).digest("hex") };

describe("planFileHere (a replica without the plan's file)", () => {
  it("copies the store's bytes, verified, into the given dir", async () => {
    const copyDir = join(dir, "apply-1-7");
    const here = await planFileHere({ planFile: async () => ({ sha256: plan.planHash, size: bytes.length, bytes }) }, plan, copyDir);
    expect(here).toEqual({ ok: true, planFile: join(copyDir, "plan.tfplan"), copyDir });
  });

  it("leaves nothing behind when writing the copy fails (the caller never learns the dir)", async () => {
    const copyDir = join(dir, "apply-1-7");
    const broken = 42 as unknown as Buffer;
    await expect(
      planFileHere({ planFile: async () => ({ sha256: plan.planHash, size: 2, bytes: broken }) }, plan, copyDir),
    ).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});
