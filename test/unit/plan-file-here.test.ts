import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planFileHere } from "../../src/tool-runs/plan-file-here.js";
import { planSigningKey, signPlan } from "../../src/tool-runs/plan-signature.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-plan-here-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = Buffer.from("plan bytes\n");
const plan = {
  id: 7,
  planPath: "/elsewhere/plan-1/plan.tfplan",
  planHash: createHash("sha256").update(bytes).digest("hex"),
  repo: "acme/infra",
  pr: 3,
  project: "net",
  dir: "net",
  workspace: "default",
};
const key = planSigningKey("whsec-test");
const mac = signPlan(key, plan);
const noFormerNames = async () => [];

describe("planFileHere (a replica without the plan's file)", () => {
  it("copies the store's bytes, verified, into the given dir", async () => {
    const copyDir = join(dir, "apply-1-7");
    const here = await planFileHere(
      { planFile: async () => ({ sha256: plan.planHash, size: bytes.length, bytes, mac }), formerNamesFreeOf: noFormerNames },
      plan,
      copyDir,
      key,
    );
    expect(here).toEqual({ ok: true, planFile: join(copyDir, "plan.tfplan"), copyDir });
  });

  it("refuses bytes and hash changed together in the database: the signature does not match, nothing is written", async () => {
    const copyDir = join(dir, "apply-1-7");
    const evil = Buffer.from("another plan\n");
    const evilHash = createHash("sha256").update(evil).digest("hex");
    const tampered = { ...plan, planHash: evilHash };
    for (const [stored, why] of [
      [{ sha256: evilHash, size: evil.length, bytes: evil, mac }, "the old plan's signature"],
      [{ sha256: evilHash, size: evil.length, bytes: evil }, "no signature"],
      [{ sha256: evilHash, size: evil.length, bytes: evil, mac: signPlan(planSigningKey("other secret"), tampered) }, "another key"],
      [{ sha256: plan.planHash, size: bytes.length, bytes, mac: signPlan(key, { ...plan, project: "app" }) }, "another plan's signature"],
    ] as const) {
      const target = stored.sha256 === plan.planHash ? plan : tampered;
      const here = await planFileHere({ planFile: async () => stored, formerNamesFreeOf: noFormerNames }, target, copyDir, key);
      expect(here, why).toMatchObject({ ok: false, reason: expect.stringContaining("does not carry this Sluice's signature") });
      expect(await readdir(dir), why).toEqual([]);
    }
  });

  it("leaves nothing behind when writing the copy fails (the caller never learns the dir)", async () => {
    const copyDir = join(dir, "apply-1-7");
    const broken = 42 as unknown as Buffer;
    await expect(
      planFileHere(
        { planFile: async () => ({ sha256: plan.planHash, size: 2, bytes: broken, mac }), formerNamesFreeOf: noFormerNames },
        plan,
        copyDir,
        key,
      ),
    ).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});
