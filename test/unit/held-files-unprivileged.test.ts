import { mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { heldFiles, linuxDev } from "../../runners/sandbox/held-files.js";
import { testDir } from "../support/temp-dir.js";

/**
 * A file a run maps, closes and unlinks is held by the mapping alone. Its size is read through
 * /proc/PID/map_files, which the kernel answers only to a process with CAP_SYS_ADMIN: the image
 * runs Sluice without it, so there the measure knew nothing of such a file (the tests run as
 * root, where it does). A /proc of files, with no map_files, stands for the unprivileged reader.
 */
const proc = testDir("sluice-fake-proc-");

function fakeProcess(pid: number, ppid: number, maps: string[]): { pid: number; ppid: number; threads: number; rssPages: number } {
  mkdirSync(join(proc, String(pid), "fd"), { recursive: true });
  writeFileSync(join(proc, String(pid), "maps"), `${maps.join("\n")}\n`);
  return { pid, ppid, threads: 1, rssPages: 0 };
}

const MiB = 1024 * 1024;

describe("held files of a run, read without the right to stat map_files", () => {
  it("counts what each nameless mapped file's mappings span (the largest once), where it belongs", () => {
    const stats = [
      fakeProcess(101, 100, [
        "7f0000000000-7f0000100000 rw-s 00000000 00:01 5555 /memfd:hog (deleted)",
        "7f0000200000-7f0000210000 r--s 00000000 00:01 5555 /memfd:hog (deleted)",
        "7f0000300000-7f0000500000 r--s 00000000 fd:01 7777 /work/checkout/big.bin (deleted)",
        // The sandbox's own /tmp and /dev/shm are counted by their file system, not here.
        "7f0000600000-7f0000700000 r--s 00000000 00:20 8888 /tmp/scratch (deleted)",
        "7f0000800000-7f0000900000 r--s 00000000 00:21 9999 /dev/shm/seg (deleted)",
      ]),
      // The same memfd mapped by a child: one file, counted once.
      fakeProcess(102, 101, ["7f1000000000-7f1000100000 rw-s 00000000 00:01 5555 /memfd:hog (deleted)"]),
    ];
    const held = heldFiles(stats, 100, proc);
    expect(held.memoryBytes).toBe(MiB);
    expect(held.diskBytes).toBe(2 * MiB);
  });

  it("a host dir bound under /dev/shm or /tmp (SLUICE_WORKTREE_DIR on a tmpfs) counts on disk: the sandbox's own tmpfs's are told by device", () => {
    const stats = [fakeProcess(301, 300, [])];
    // The run's own /tmp and /dev/shm, as its root shows them: their device is what "its own" means.
    for (const dir of ["tmp", "dev/shm"]) mkdirSync(join(proc, "301", "root", dir), { recursive: true });
    const own = statSync(join(proc, "301", "root", "dev/shm")).dev;
    const ownDevice = `${(own >> 8).toString(16).padStart(2, "0")}:${(own & 0xff).toString(16).padStart(2, "0")}`;
    const other = own === 0x2f ? "00:30" : "00:2f";
    writeFileSync(
      join(proc, "301", "maps"),
      [
        // A worktree on the host's /dev/shm, bound into the run at the same path: the disk limit's.
        `7f0000000000-7f0000300000 r--s 00000000 ${other} 4242 /dev/shm/sluice-worktrees/sluice-abc/worktrees/big.bin (deleted)`,
        // Control: a file in the run's own /dev/shm (its device) is sandboxTmpBytes', not counted here.
        `7f0000400000-7f0000500000 r--s 00000000 ${ownDevice} 4343 /dev/shm/seg (deleted)`,
      ].join("\n"),
    );
    expect(heldFiles(stats, 300, proc).diskBytes).toBe(3 * MiB);
  });

  it("control: mappings of files that still have a name, and anonymous ones, count nothing", () => {
    const stats = [
      fakeProcess(201, 200, [
        "7f0000000000-7f0000100000 r-xp 00000000 fd:01 1234 /usr/bin/terraform",
        "7f0000200000-7f0000300000 rw-p 00000000 00:00 0 ",
        "7f0000400000-7f0000500000 rw-p 00000000 00:00 0 [heap]",
      ]),
    ];
    expect(heldFiles(stats, 200, proc)).toEqual({ diskBytes: 0, memoryBytes: 0 });
  });
});

describe("held files: one file open and mapped, and devices past 0x7ffff", () => {
  it("a nameless file both open (its descriptor stat'ed) and mapped (map_files unreadable) counts once", () => {
    const files = testDir("sluice-held-once-");
    const path = join(files, "big.bin (deleted)");
    writeFileSync(path, Buffer.alloc(2 * MiB, 1));
    const st = statSync(path);
    const major = (st.dev >> 8) & 0xfff;
    const minor = (st.dev & 0xff) | ((st.dev >> 12) & 0xfff00);
    const device = `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}`;
    // The mapping as the run names it (a checkout of its own, not under /tmp): the same device and inode.
    const stats = [fakeProcess(401, 400, [`7f0000000000-7f0000200000 r--s 00000000 ${device} ${st.ino} /work/checkout/big.bin (deleted)`])];
    symlinkSync(path, join(proc, "401", "fd", "3"));
    expect(heldFiles(stats, 400, proc).diskBytes).toBe(st.blocks * 512);
  });

  it("decodes a maps line's device as stat(2) gives it, also with a minor past 0x7ffff (no sign)", () => {
    expect(linuxDev(0, 0x80000)).toBe(0x80000000);
    expect(linuxDev(0, 0xfffff)).toBe(0xfff000ff);
    expect(linuxDev(0xfd, 0x01)).toBe(0xfd01);
    expect(linuxDev(0, 0x123)).toBe(0x100023);
  });
});
