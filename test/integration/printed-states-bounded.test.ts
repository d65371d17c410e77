import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeRunOptions } from "../../runners/change-run-options.js";
import { exec } from "../../runners/exec.js";
import type { PrintedState } from "../../runners/withheld-state.js";

/**
 * A run that changes infrastructure may print states over and over (a step's loop of `state
 * pull`, a hostile step): each is withheld, and only the last is what a failure keeps, so no more
 * than that one is held in Sluice's memory (each may be up to 64 MiB).
 */
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-printed-states-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const LOOP = `for i in $(seq 40); do printf '{\\n  "version": 4,\\n  "terraform_version": "x",\\n  "serial": %s,\\n  "pad": "%s"\\n}\\n' "$i" "$(head -c 20000 /dev/zero | tr '\\0' a)"; done; sleep 1; echo done`;

describe("states a run prints over and over", () => {
  it("are all withheld, and only the last is held (memory bounded by one state)", async () => {
    const printed: PrintedState[] = [];
    const r = await exec("sh", ["-c", LOOP], changeRunOptions({ timeoutMs: 60_000 }, { cwd: dir, printed }));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain("aaaa");
    expect(r.stdout).toContain("done");
    expect(printed).toHaveLength(1);
    expect(printed[0]?.text).toContain('"serial": 40,');
  });

  it("control: one state printed is held as it was printed", async () => {
    const printed: PrintedState[] = [];
    const one = `printf '{\\n  "version": 4,\\n  "terraform_version": "x",\\n  "serial": 7\\n}\\n'`;
    const r = await exec("sh", ["-c", one], changeRunOptions({ timeoutMs: 60_000 }, { cwd: dir, printed }));
    expect(r.exitCode).toBe(0);
    expect(printed).toEqual([{ text: '{\r\n  "version": 4,\r\n  "terraform_version": "x",\r\n  "serial": 7\r\n}\r\n', cut: false }]);
  });
});
