import { mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { erroredBefore, erroredState, withErrored } from "../../../runners/terraform/errored-state.js";

const state = (serial: number) => JSON.stringify({ version: 4, serial, lineage: "l-1", resources: [] });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "errored-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("errored.tfstate, read as a run's file", () => {
  it("a state the run wrote is kept; one that was there before the run (and is unchanged) is not the run's", async () => {
    await writeFile(join(dir, "errored.tfstate"), state(3));
    const before = await erroredBefore(dir);
    expect(await erroredState(dir, before)).toEqual({});
    // Control: terraform wrote over it.
    await writeFile(join(dir, "errored.tfstate"), state(4));
    expect((await erroredState(dir, before)).erroredState?.toString()).toBe(state(4));
  });

  it("one Sluice cannot keep (too large, a symlink, not a state) is said, never dropped in silence", async () => {
    await writeFile(join(dir, "errored.tfstate"), "");
    await truncate(join(dir, "errored.tfstate"), 65 * 1024 ** 2);
    const big = await erroredState(dir);
    expect(big.erroredState).toBeUndefined();
    expect(big.problem).toContain("65.0 MiB, over the 64.0 MiB Sluice keeps");
    expect(withErrored({ message: "terraform apply exited with code 1" }, big).message).toContain("could not keep it");

    await rm(join(dir, "errored.tfstate"));
    await symlink("/etc/passwd", join(dir, "errored.tfstate"));
    expect((await erroredState(dir)).problem).toContain("not a regular file");

    await rm(join(dir, "errored.tfstate"));
    await writeFile(join(dir, "errored.tfstate"), "garbage");
    expect((await erroredState(dir)).problem).toContain("not a Terraform state");
    // Control: nothing there, nothing said.
    await rm(join(dir, "errored.tfstate"));
    expect(await erroredState(dir)).toEqual({});
  });
});
