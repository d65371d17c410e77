import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ExecRun, RunEnded } from "../../runners/exec-run.js";
import { MAX_UNMEASURED } from "../../runners/sandbox/disk-watch.js";
import { superviseRun } from "../../runners/supervise-run.js";

// A run whose disk use cannot be measured (the measure fails every time) is stopped, saying so, as
// a run over the disk limit is: the failed measure counted as 0 bytes, and the run went on writing
// unseen. A real process under the real supervisor; only the measure is the test's.
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function supervised(measureDisk: ExecRun["measureDisk"], script: string) {
  const dir = await mkdtemp(join(tmpdir(), "sluice-disk-unmeasured-"));
  dirs.push(dir);
  const child = spawn("/bin/sh", ["-c", script], { cwd: dir, detached: true, stdio: "ignore" });
  const ended = new Promise<RunEnded>((done) => child.on("exit", (exitCode, signal) => done({ exitCode, signal: signal ?? undefined })));
  const run: ExecRun = {
    label: "sh",
    file: "/bin/sh",
    args: [],
    cwd: dir,
    env: {},
    timeoutMs: 60_000,
    grace: 1_000,
    redact: (s) => s,
    sandbox: { limits: { diskBytes: 1024 * 1024 }, diskDirs: [dir] },
    measureDisk,
  };
  return superviseRun(run, child.pid, ended);
}

describe("a run whose disk cannot be measured", () => {
  it("is stopped after measures failed in a row, told why", async () => {
    let asked = 0;
    const r = await supervised(async () => {
      asked++;
      throw new Error("spawn du EAGAIN");
    }, "sleep 30");
    expect(r.signal).toBe("SIGKILL");
    expect(asked).toBe(MAX_UNMEASURED);
    expect(r.limit).toEqual({
      name: "disk",
      message: `its disk use could not be measured ${MAX_UNMEASURED} times in a row (spawn du EAGAIN), so the disk limit (1 MiB) could not be held`,
    });
  });

  it("control: a run measured under its limit runs to its end", async () => {
    const r = await supervised(async () => 4096, "sleep 1.5; exit 0");
    expect(r.exitCode).toBe(0);
    expect(r.limit).toBeUndefined();
  });
});
