import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heldFiles, heldFilesPaced } from "../../runners/sandbox/held-files.js";
import { readProcStats } from "../../runners/sandbox/process-tree.js";

/**
 * A run chooses what a measure of its held files costs: every mapping of every process is a line
 * of /proc/PID/maps the job thread reads, and the budgets allow 262,144 of them (~0.3 s a measure
 * on a busy host). The memory watch measures every 100 ms: unpaced, one such run held the job
 * thread (every other run's output and timers) all the time.
 */
const MAPPINGS = 30_000;
const HOG = `
import ctypes, os, sys, time
libc = ctypes.CDLL(None)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
fd = os.memfd_create("hog")
os.write(fd, b"x" * 4096)
for i in range(${MAPPINGS}):
    libc.mmap(None, 4096, 1 if i % 2 else 3, 1, fd, 0)
print("ready", flush=True)
time.sleep(60)
`;

const mapsCap = Number(readFileSync("/proc/sys/vm/max_map_count", "utf8"));

describe.skipIf(mapsCap < MAPPINGS * 2)("the held-files measure of a run that makes it costly", () => {
  let sh: ChildProcess;
  beforeAll(async () => {
    // The run's root (the sandbox's bwrap) and under it the process holding the mappings.
    sh = spawn("sh", ["-c", 'python3 -c "$0"; :', HOG], { stdio: ["ignore", "pipe", "inherit"], detached: true });
    await new Promise<void>((resolve) => sh.stdout?.on("data", (d: Buffer) => d.toString().includes("ready") && resolve()));
  }, 60_000);
  afterAll(() => {
    if (sh.pid) process.kill(-sh.pid, "SIGKILL");
  });

  /** The share of 3 s of 100 ms ticks a measure takes. */
  const share = async (measure: () => void) => {
    let spent = 0;
    const start = performance.now();
    while (performance.now() - start < 3000) {
      const t = performance.now();
      measure();
      spent += performance.now() - t;
      await new Promise((r) => setTimeout(r, 100));
    }
    return spent / (performance.now() - start);
  };

  it("takes a bounded share of the job thread, and still finds what the run holds", async () => {
    const root = sh.pid as number;
    const stats = readProcStats().filter((p) => p.pid === root || p.ppid === root);
    // Control: measured every tick, the run takes a large share of the thread.
    const unpaced = await share(() => heldFiles(stats, root));
    expect(unpaced).toBeGreaterThan(0.3);
    const paced = await share(() => heldFilesPaced(stats, root));
    expect(paced).toBeLessThan(unpaced / 2);
    // The memfd (mapped, not touched: no RSS) is still measured.
    expect(heldFilesPaced(stats, root, performance.now() + 60_000).memoryBytes).toBe(4096);
  }, 30_000);
});
