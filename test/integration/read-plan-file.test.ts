import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { notHereReason, planFileWarning, readPlanFile } from "../../src/tool-runs/read-plan-file.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("readPlanFile", () => {
  it("reads the bytes and hashes exactly them, and makes the file read-only; over the limit, the hash and size only", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-plan-file-"));
    const file = join(dir, "plan.tfplan");
    const bytes = Buffer.from([0, 1, 2, 255, 10, 0]);
    await writeFile(file, bytes, { mode: 0o644 });
    expect(await readPlanFile(file)).toEqual({ ok: true, file: { sha256: sha(bytes), size: 6, bytes } });
    expect((await stat(file)).mode & 0o777).toBe(0o400);
    expect(await readPlanFile(file, 6)).toEqual({ ok: true, file: { sha256: sha(bytes), size: 6, bytes } });
    expect(await readPlanFile(file, 5)).toEqual({ ok: true, file: { sha256: sha(bytes), size: 6 } });
  });

  it("refuses what the sandbox may leave in the plan's place: a symlink (not followed) or a FIFO (not waited on)", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-plan-file-"));
    const secret = join(dir, "secret");
    await writeFile(secret, "key", { mode: 0o600 });
    await symlink(secret, join(dir, "plan.tfplan"));
    const refused = { ok: false, reason: expect.stringContaining("the plan file is not a regular file") };
    expect(await readPlanFile(join(dir, "plan.tfplan"))).toEqual(refused);
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
    execFileSync("mkfifo", [join(dir, "fifo")]);
    expect(await readPlanFile(join(dir, "fifo"))).toEqual(refused);
  });
});

describe("what users are told of plan files the store does not keep", () => {
  it.each<[string, Parameters<typeof planFileWarning>[0], string | undefined]>([
    ["kept", { sha256: "x", size: 3, bytes: Buffer.from("abc") }, undefined],
    [
      "too large",
      { sha256: "x", size: 100 * 1024 * 1024 },
      "the plan file is 100.0 MiB, over the 64.0 MiB Sluice keeps in its store: only the Sluice replica that made it can apply it",
    ],
  ])("at plan time: %s", (_, file, text) => {
    expect(planFileWarning(file)).toBe(text);
  });

  it.each<[string, Parameters<typeof notHereReason>[0], RegExp]>([
    ["no copy (applied, superseded, or saved before copies were kept)", undefined, /not on this replica, and the store has no copy/],
    ["too large for the store", { sha256: "x", size: 65 * 1024 * 1024 }, /\(65\.0 MiB\) is over the 64\.0 MiB .* this replica did not$/],
  ])("at apply time: %s", (_, file, text) => {
    expect(notHereReason(file)).toMatch(text);
  });
});
