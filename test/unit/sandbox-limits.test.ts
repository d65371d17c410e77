import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testDir } from "../support/temp-dir.js";
import { allocatedSince, descendants, parseStat, readTree, treeUsage } from "../../runners/sandbox/process-tree.js";
import { formatSize, limitHit, parseSize, prlimitArgv, rlimitHit } from "../../runners/sandbox/sandbox-limits.js";

describe("parseSize", () => {
  it.each([
    ["512Mi", 512 * 1024 ** 2],
    ["4Gi", 4 * 1024 ** 3],
    ["1G", 1e9],
    ["10k", 10_000],
    ["1048576", 1048576],
    ["2 GiB", 2 * 1024 ** 3],
    [4096, 4096],
  ] as const)("%s = %d bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });
  it.each(["", "lots", "-1", "0", "1.5G", "1X", 0, -5, 1.5])("%s is no size", (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe("limit messages", () => {
  const limits = { memoryBytes: 256 * 1024 ** 2, processes: 64, fileSizeBytes: 16 * 1024 ** 2 };
  it("name the limit and its value", () => {
    expect(limitHit("memory", limits).message).toBe("the memory limit (256 MiB) was exceeded");
    expect(limitHit("processes", limits).message).toBe("the processes limit (64 processes and threads) was exceeded");
    expect(limitHit("file_size", limits).message).toBe("the file size limit (16 MiB) was exceeded");
    expect(formatSize(1536)).toBe("1.5 KiB");
  });
  it("a run ended by SIGXFSZ (or bwrap's 128 + 25) hit the file size limit, only when one is set", () => {
    expect(rlimitHit(limits, { exitCode: 153 })?.name).toBe("file_size");
    expect(rlimitHit(limits, { exitCode: null, signal: "SIGXFSZ" })?.name).toBe("file_size");
    expect(rlimitHit(limits, { exitCode: 1 })).toBeUndefined();
    expect(rlimitHit({}, { exitCode: 153 })).toBeUndefined();
  });
  it("prlimit gets one more task than the limit (bwrap's init is in the namespace too)", () => {
    expect(prlimitArgv(limits)).toEqual(["prlimit", "--nproc=65", `--fsize=${16 * 1024 ** 2}`, "--"]);
    expect(prlimitArgv({ memoryBytes: 1 })).toEqual([]);
  });
});

describe("process tree", () => {
  it("parses /proc/PID/stat with spaces and parentheses in the command name", () => {
    const line = "4242 (evil) name (x)) S 4200 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 12345 1000000 250 18446744073709551615";
    expect(parseStat(line)).toEqual({ pid: 4242, ppid: 4200, threads: 3, rssPages: 250 });
    expect(parseStat("garbage")).toBeUndefined();
  });
  it("counts tasks and pages of every descendant, not the root, not strangers; cycles cannot loop", () => {
    const stats = [
      { pid: 10, ppid: 1, threads: 1, rssPages: 5 },
      { pid: 11, ppid: 10, threads: 1, rssPages: 1 },
      { pid: 12, ppid: 11, threads: 4, rssPages: 100 },
      { pid: 13, ppid: 11, threads: 1, rssPages: 10 },
      { pid: 20, ppid: 1, threads: 9, rssPages: 999 },
      { pid: 30, ppid: 31, threads: 1, rssPages: 1 },
      { pid: 31, ppid: 30, threads: 1, rssPages: 1 },
    ];
    expect(treeUsage(stats, 10)).toEqual({ tasks: 6, rssPages: 111 });
    expect(descendants(stats, 30).map((s) => s.pid)).toEqual([31]);
  });
  it("measures only PIDs handed out since the root, across a wrap of pid_max", () => {
    const since = allocatedSince(1000, 1500);
    expect([999, 1000, 1400, 30000].map(since)).toEqual([false, true, true, true]);
    const wrapped = allocatedSince(32000, 40);
    expect([39, 40, 41, 31999, 32000, 32767].map(wrapped)).toEqual([true, true, false, false, true, true]);
    expect(allocatedSince(5, undefined)(1)).toBe(true);
  });
});

describe("readTree (a run's own processes, walked down from its root)", () => {
  /** A /proc of files: each process with its stat line and, per task, the children it started. */
  function fakeProc(procs: { pid: number; ppid: number; tasks: Record<number, number[]> }[]): string {
    const root = testDir("sluice-proc-");
    mkdirSync(join(root, "1", "task", "1"), { recursive: true });
    writeFileSync(join(root, "1", "task", "1", "children"), "");
    for (const p of procs) {
      for (const [tid, children] of Object.entries(p.tasks)) {
        mkdirSync(join(root, String(p.pid), "task", tid), { recursive: true });
        writeFileSync(join(root, String(p.pid), "task", tid, "children"), children.map((c) => `${c} `).join(""));
      }
      const fields = ["S", String(p.ppid), ...Array(15).fill("0"), String(Object.keys(p.tasks).length), "0", "0", "0", "7"];
      writeFileSync(join(root, String(p.pid), "stat"), `${p.pid} (tool (x)) ${fields.join(" ")}`);
    }
    return root;
  }
  it("finds children started by any thread, and nothing outside the tree", () => {
    const proc = fakeProc([
      { pid: 100, ppid: 1, tasks: { 100: [101] } },
      // A Go program: its children were started by other threads than the main one.
      { pid: 101, ppid: 100, tasks: { 101: [], 105: [102], 106: [103] } },
      { pid: 102, ppid: 101, tasks: { 102: [] } },
      { pid: 103, ppid: 101, tasks: { 103: [] } },
      { pid: 200, ppid: 1, tasks: { 200: [] } },
    ]);
    const tree = readTree(100, proc);
    expect(tree.map((s) => s.pid).sort()).toEqual([100, 101, 102, 103]);
    expect(treeUsage(tree, 100)).toEqual({ tasks: 5, rssPages: 21 });
  });
  it("a process that ended while it was read is left out, its siblings are not", () => {
    const proc = fakeProc([
      { pid: 100, ppid: 1, tasks: { 100: [101, 999] } },
      { pid: 101, ppid: 100, tasks: { 101: [] } },
    ]);
    expect(readTree(100, proc).map((s) => s.pid)).toEqual([100, 101]);
  });
});
