import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { copyPlan } from "../../runners/terraform/copy-plan.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("copyPlan (the plan file a run left, copied on the host)", () => {
  it("copies a plan file whole, through memory and (past 16 MiB) as a stream, into a new file of mode 0600", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-copy-plan-"));
    for (const [name, size] of [
      ["small", 1507],
      ["large", 16 * 1024 * 1024 + 5],
    ] as const) {
      const bytes = randomBytes(size);
      await writeFile(join(dir, name), bytes);
      expect(await copyPlan(join(dir, name), join(dir, `${name}.copy`))).toBeUndefined();
      expect((await readFile(join(dir, `${name}.copy`))).equals(bytes)).toBe(true);
      expect((await stat(join(dir, `${name}.copy`))).mode & 0o777).toBe(0o600);
    }
  });

  it("refuses a symlink (not followed), a FIFO (not waited on), nothing and an empty file, and never writes over a file", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-copy-plan-"));
    await writeFile(join(dir, "secret"), "key");
    await symlink(join(dir, "secret"), join(dir, "link"));
    execFileSync("mkfifo", [join(dir, "fifo")]);
    await writeFile(join(dir, "empty"), "");
    const to = (n: string) => join(dir as string, `${n}.copy`);
    expect(await copyPlan(join(dir, "link"), to("link"))).toBe("the plan file the plan step left is not a regular file");
    expect(await copyPlan(join(dir, "fifo"), to("fifo"))).toBe("the plan file the plan step left is not a regular file");
    expect(await copyPlan(join(dir, "none"), to("none"))).toBe("the plan step made no plan file");
    expect(await copyPlan(join(dir, "empty"), to("empty"))).toBe("the plan file the plan step left is empty");
    for (const n of ["link", "fifo", "none", "empty"]) await expect(stat(to(n))).rejects.toThrow(/ENOENT/);
    // The copy goes to a new file only: one already there (a run's) is not written through.
    await writeFile(to("secret"), "theirs");
    expect(await copyPlan(join(dir, "secret"), to("secret"))).toBe("the plan file could not be copied (EEXIST)");
    expect(await readFile(to("secret"), "utf8")).toBe("theirs");
  });
});
