import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { SandboxRun } from "../../runners/sandbox/sandbox-command.js";

/**
 * The disk limit counts a run's dirs as a whole; a PR's projects share its checkout. A run stopped
 * because of what another run wrote there is told that the checkout was shared, not that it alone
 * went over (with `sandbox: off` the limits apply all the same, without bwrap).
 */
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const checkout = async () => {
  const d = await mkdtemp(join(tmpdir(), "sluice-shared-disk-"));
  dirs.push(d);
  return d;
};
const run = (dir: string): SandboxRun => ({ limits: { diskBytes: 1024 * 1024 }, diskDirs: [dir] });
const WRITE_3MB = "head -c 3000000 /dev/zero > big; sleep 0.2";

describe("the disk limit over a shared checkout", () => {
  it("a run alone is told it went over", async () => {
    const dir = await checkout();
    const r = await exec("/bin/sh", ["-c", WRITE_3MB], { cwd: dir, sandbox: run(dir) });
    expect(r.limit?.message).toBe("the disk limit (1 MiB) was exceeded");
  });

  it("runs in the same checkout at once are told it was shared, the one that wrote nothing too", async () => {
    const dir = await checkout();
    const quiet = exec("/bin/sh", ["-c", "sleep 4"], { cwd: dir, sandbox: run(dir) });
    const writer = await exec("/bin/sh", ["-c", WRITE_3MB], { cwd: dir, sandbox: run(dir) });
    const shared = /^the disk limit \(1 MiB\) was exceeded by its checkout, which other projects' runs wrote to at the same time/;
    expect(writer.limit?.message).toMatch(shared);
    // The quiet run's next measure finds the checkout over the limit: it is stopped, and told why.
    const q = await quiet;
    expect(q.signal).toBe("SIGKILL");
    expect(q.limit?.message).toMatch(shared);
    // Once both ended, the next run in that checkout is alone again (the big file is still there).
    const alone = await exec("/bin/sh", ["-c", "true"], { cwd: dir, sandbox: run(dir) });
    expect(alone.limit?.message).toBe("the disk limit (1 MiB) was exceeded");
  });
});
