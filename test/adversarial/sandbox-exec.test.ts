import { createServer, type Server } from "node:net";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createSandbox, type Sandbox } from "../../runners/sandbox/sandbox.js";
import { processesWith } from "./support.js";

// The exec choke point with the sandbox, on both spawn paths: what a run can see and write, the
// network switch, the limits, and a timeout that leaves nothing behind (setsid included).

let root: string;
let sandbox: Sandbox;
let server: Server;
let port: number;
const dirs = { checkout: "", other: "", cache: "", shared: "" };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-sbx-exec-"));
  for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) {
    dirs[k] = join(root, k);
    await mkdir(dirs[k]);
  }
  await writeFile(join(dirs.other, "secret.txt"), "other-secret-9d1c");
  sandbox = await createSandbox(
    {
      mode: "on",
      bwrapPath: process.env.SLUICE_BWRAP_PATH || "bwrap",
      paths: [dirs.shared],
      limits: { memoryBytes: 128 * 1024 ** 2, processes: 32, fileSizeBytes: 1024 ** 2 },
      readOnlyFiles: [],
      pluginCacheDir: dirs.cache,
      toolBinaries: [],
    },
    exec,
  );
  server = createServer((s) => s.end("hello"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server?.close();
  await rm(root, { recursive: true, force: true });
});

/** A run with a disk limit too (32 MiB), as small limits as the rest. */
async function diskLimited() {
  const limited = await createSandbox(
    {
      mode: "on",
      bwrapPath: process.env.SLUICE_BWRAP_PATH || "bwrap",
      paths: [],
      limits: { memoryBytes: 128 * 1024 ** 2, fileSizeBytes: 1024 ** 2, diskBytes: 32 * 1024 ** 2 },
      readOnlyFiles: [],
      toolBinaries: [],
    },
    exec,
  );
  const e = limited.execFor({ writable: [dirs.checkout], readable: [], network: "none" });
  if (!e.ok) throw new Error(e.reason);
  return e;
}

function run(network: "on" | "none" = "on") {
  const e = sandbox.execFor({ writable: [dirs.checkout], readable: [], network });
  if (!e.ok) throw new Error(e.reason);
  return e.exec;
}

it("bubblewrap starts here (the rest of this file depends on it)", () => {
  expect(sandbox.status).toEqual({ mode: "on", ok: true });
});

for (const pty of [false, true]) {
  const mode = pty ? "pty" : "pipe";
  describe(mode, () => {
    it("cannot change, remove or rename a file it is given read-only inside its writable dir (a saved plan)", async () => {
      const plan = join(dirs.checkout, `plan-${mode}.tfplan`);
      await writeFile(plan, "the shown plan\n");
      const r = await run()(
        "sh",
        ["-c", `echo swapped > ${plan}; echo more >> ${plan}; rm -f ${plan}; mv ${plan} ${plan}.x; cat ${plan}`],
        { cwd: dirs.checkout, pty, sandboxReadOnly: [plan] },
      );
      expect(r.stdout).toContain("the shown plan");
      expect(await readFile(plan, "utf8")).toBe("the shown plan\n");
      // The rest of the dir stays writable.
      const w = await run()("sh", ["-c", `echo ok > ${dirs.checkout}/beside-${mode}`], {
        cwd: dirs.checkout,
        pty,
        sandboxReadOnly: [plan],
      });
      expect(w.exitCode).toBe(0);
      expect(await readFile(join(dirs.checkout, `beside-${mode}`), "utf8")).toBe("ok\n");
    });

    it("refuses a read-only path that is not a regular file (a symlink would show the run a host file)", async () => {
      const link = join(dirs.checkout, `link-${mode}.tfplan`);
      await symlink(join(dirs.other, "secret.txt"), link);
      await expect(run()("cat", [link], { cwd: dirs.checkout, pty, sandboxReadOnly: [link] })).rejects.toThrow("is not a regular file");
    });

    it("sees its checkout (writable), the operator's paths, the cache read-only, and nothing else", async () => {
      const script = [
        "id -u",
        "echo w > out.txt && echo wrote-checkout",
        `echo s > ${dirs.shared}/s.txt && echo wrote-shared`,
        `touch ${dirs.cache}/x 2>/dev/null || echo cache-read-only`,
        `cat ${dirs.other}/secret.txt 2>/dev/null || echo other-invisible`,
        // A write anywhere but its mounts fails, instead of landing in a root that vanishes
        // with the sandbox (a local state whose path is not mounted); the private /tmp is its own.
        "echo s > /state.tfstate 2>/dev/null || echo root-read-only",
        "mkdir -p /opt/sluice-not-mounted 2>/dev/null || echo unmounted-read-only",
        "echo t > /tmp/t && echo wrote-tmp",
        "ls /proc | grep -c '^[0-9]'",
      ].join("; ");
      const r = await run()("sh", ["-c", script], { cwd: dirs.checkout, pty });
      expect(r.exitCode).toBe(0);
      const out = r.stdout.replace(/\r/g, "");
      expect(out).toMatch(/^65534\n/);
      for (const word of [
        "wrote-checkout",
        "wrote-shared",
        "cache-read-only",
        "other-invisible",
        "root-read-only",
        "unmounted-read-only",
        "wrote-tmp",
      ])
        expect(out).toContain(word);
      expect(out).not.toContain("other-secret");
      expect(await readFile(join(dirs.checkout, "out.txt"), "utf8")).toBe("w\n");
    });

    it("writes the plugin cache only when the command is given it (the serialized download)", async () => {
      const r = await run()("sh", ["-c", `echo p > ${dirs.cache}/provider && echo cached`], {
        cwd: dirs.checkout,
        pty,
        sandboxWrite: [dirs.cache],
      });
      expect(r.stdout).toContain("cached");
      expect(await readFile(join(dirs.cache, "provider"), "utf8")).toBe("p\n");
    });

    it("reaches the network by default and nothing with network: none", async () => {
      const connect = ["-MIO::Socket::INET", "-e", `my $s = IO::Socket::INET->new("127.0.0.1:${port}") or exit 3; print <$s>`];
      expect((await run("on")("perl", connect, { cwd: dirs.checkout, pty })).stdout).toContain("hello");
      expect((await run("none")("perl", connect, { cwd: dirs.checkout, pty })).exitCode).toBe(3);
    });

    it("is killed at its limits, and says which", async () => {
      const bomb = await run()("sh", ["-c", "while :; do sleep 5151 & done"], { cwd: dirs.checkout, pty });
      expect(bomb.limit?.name).toBe("processes");
      const hog = await run()("perl", ["-e", "my $x = 'x' x (1 << 20); my $y = ''; while (1) { $y .= $x }"], { cwd: dirs.checkout, pty });
      expect(hog.limit?.name).toBe("memory");
      const big = await run()("sh", ["-c", "head -c 4000000 /dev/zero > big.bin"], { cwd: dirs.checkout, pty });
      expect(big.limit?.name).toBe("file_size");
      const fine = await run()("sh", ["-c", "head -c 1000 /dev/zero > small.bin && echo ok"], { cwd: dirs.checkout, pty });
      expect(fine.limit).toBeUndefined();
      expect(fine.exitCode).toBe(0);
      expect(processesWith("sleep 5151")).toEqual([]);
    });

    it("holds no more in /dev than in /tmp: /dev/shm counts in the memory limit, and /dev itself takes no file", async () => {
      // /dev is a tmpfs bubblewrap makes, unbounded and measured by nothing: files there were memory past every limit.
      const planted = await run()(
        "sh",
        ["-c", "echo x > /dev/planted 2>/dev/null || echo dev-read-only; echo x > /dev/null && echo null-ok"],
        {
          cwd: dirs.checkout,
          pty,
        },
      );
      expect(planted.stdout).toContain("dev-read-only");
      expect(planted.stdout).toContain("null-ok");
      // 200 files of 1 MB (the file size limit is 1 MiB) against a memory limit of 128 MiB.
      const fill = await run()(
        "sh",
        ["-c", "for i in $(seq 200); do head -c 1000000 /dev/zero > /dev/shm/f$i || break; done; sleep 3; echo survived"],
        { cwd: dirs.checkout, pty },
      );
      expect(fill.limit?.name).toBe("memory");
      expect(fill.stdout).not.toContain("survived");
      // Control: POSIX shared memory still works, within the limit.
      const small = await run()("sh", ["-c", "head -c 1000 /dev/zero > /dev/shm/small && echo shm-ok"], { cwd: dirs.checkout, pty });
      expect(small.stdout).toContain("shm-ok");
      expect(small.limit).toBeUndefined();
    });

    it("a file it holds open but unlinked counts in its limits: on disk in the disk limit, a memfd in the memory limit", async () => {
      // No dir shows such a file, and no RSS a memfd that is not mapped: both were space past every limit.
      const e = await diskLimited();
      // Files of 1 MB each (the file size limit is 1 MiB), each unlinked once open: 100 MB against a
      // disk limit of 32 MiB, 200 MB against a memory limit of 128 MiB.
      const hold = (kind: "disk" | "memfd", n = 100) =>
        e.exec(
          "python3",
          [
            "-c",
            [
              "import os, sys, time",
              "fds = []",
              // Over the limits, a measure may stop it before it holds them all: it got to run.
              "print('started', flush=True)",
              `for i in range(${n}):`,
              `    fd = os.memfd_create("held") if "${kind}" == "memfd" else os.open("held-${mode}-%d" % i, os.O_CREAT | os.O_RDWR)`,
              `    "${kind}" == "memfd" or os.unlink("held-${mode}-%d" % i)`,
              "    os.write(fd, b'x' * 1000000)",
              "    fds.append(fd)",
              "print('holding', flush=True)",
              // Over the limits it is stopped at the first measure; under load that can take more than a second or two.
              `time.sleep(${n > 4 ? 30 : 3})`,
              "print('survived', flush=True)",
            ].join("\n"),
          ],
          { cwd: dirs.checkout, pty },
        );
      const disk = await hold("disk");
      expect(disk.stdout).toContain("started");
      expect(disk.limit?.name).toBe("disk");
      expect(disk.stdout).not.toContain("survived");
      const memory = await hold("memfd", 200);
      expect(memory.stdout).toContain("started");
      expect(memory.limit?.name).toBe("memory");
      expect(memory.stdout).not.toContain("survived");
      // Control: a few held within the limits are fine.
      for (const kind of ["disk", "memfd"] as const) {
        const few = await hold(kind, 4);
        expect(few.limit).toBeUndefined();
        expect(few.stdout).toContain("holding");
        expect(few.stdout).toContain("survived");
      }
    });

    it("an unlinked file it holds only by a mapping counts in the disk limit too", async () => {
      // Mapped, then closed and unlinked: no descriptor and no name shows it, and a mapping never
      // touched is no RSS, yet its blocks stay taken on the data dir's disk.
      const e = await diskLimited();
      const hold = (n: number) =>
        e.exec(
          "python3",
          [
            "-c",
            [
              "import ctypes, os, time",
              "libc = ctypes.CDLL(None, use_errno=True)",
              "libc.mmap.restype = ctypes.c_void_p",
              "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]",
              "maps = []",
              `for i in range(${n}):`,
              `    name = "mapped-${mode}-%d" % i`,
              "    fd = os.open(name, os.O_CREAT | os.O_RDWR)",
              "    os.write(fd, b'x' * 1000000)",
              "    maps.append(libc.mmap(None, 1000000, 1, 1, fd, 0))",
              "    os.close(fd)",
              "    os.unlink(name)",
              "print('holding', flush=True)",
              "time.sleep(3)",
              "print('survived', flush=True)",
            ].join("\n"),
          ],
          { cwd: dirs.checkout, pty },
        );
      const many = await hold(100);
      expect(many.stdout).toContain("holding");
      expect(many.limit?.name).toBe("disk");
      expect(many.stdout).not.toContain("survived");
      // Control: a few mapped within the limit are fine.
      const few = await hold(4);
      expect(few.limit).toBeUndefined();
      expect(few.stdout).toContain("survived");
    });

    it("a run holding descriptors by the hundred thousand is stopped: its measures read each one", async () => {
      // The measures read every descriptor of the run's processes to find unlinked files and
      // memfds, synchronously on the job thread, every 100 ms: 150,000 of them (8 processes, each
      // under the nofile rlimit) took ~0.7 s a measure, the job thread stalled for as long as the run.
      const e = await diskLimited();
      const open = (processes: number, each: number) =>
        e.exec(
          "bash",
          [
            "-c",
            // Over the limit, a measure may stop them before each holds all of its descriptors
            // (under load they open side by side): that they started is what is asserted.
            `for i in $(seq ${processes}); do python3 -c 'import os, time
print("started", flush=True)
fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(${each})]
print("holding", flush=True)
time.sleep(3)
print("survived", flush=True)' & done; wait`,
          ],
          { cwd: dirs.checkout, pty },
        );
      const many = await open(4, 15_000);
      expect(many.stdout).toContain("started");
      expect(many.limit?.name).toBe("open_files");
      expect(many.stdout).not.toContain("survived");
      // Control: a run with a few thousand descriptors open runs to its end.
      const few = await open(2, 1_000);
      expect(few.limit).toBeUndefined();
      expect(few.stdout).toContain("holding");
      expect(few.stdout).toContain("survived");
      // Control: mappings have a budget of their own. A process with 20,000 of them (a large JVM
      // or Node tool holds thousands) is no reason to stop a run.
      const mapped = await e.exec(
        "python3",
        [
          "-c",
          `import ctypes, os, time
libc = ctypes.CDLL(None)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
fd = os.open("maps-${mode}", os.O_RDWR | os.O_CREAT); os.ftruncate(fd, 4096)
# PROT_READ, MAP_SHARED, each at offset 0: the kernel cannot merge them into one mapping.
n = sum(1 for _ in range(20000) if libc.mmap(None, 4096, 1, 1, fd, 0) not in (None, ctypes.c_void_p(-1).value))
os.close(fd)
print("holding", n, flush=True)
time.sleep(1.5)
print("survived", flush=True)`,
        ],
        { cwd: dirs.checkout, pty },
      );
      expect(mapped.stdout).toContain("holding 20000");
      expect(mapped.limit).toBeUndefined();
      expect(mapped.stdout).toContain("survived");
    });

    it("empty files count in the disk limit too: a run cannot take the file system's inodes within its bytes", async () => {
      // An empty file holds no block, so du counted it as nothing: millions of them fill the
      // inode table of the disk the data dir (the store, every worktree) lives on.
      const e = await diskLimited();
      const make = (n: number) =>
        e.exec(
          "python3",
          [
            "-c",
            [
              "import os, time",
              `for i in range(${n}):`,
              `    os.close(os.open("empty-${mode}-%d" % i, os.O_CREAT | os.O_WRONLY))`,
              "print('made', flush=True)",
              "time.sleep(2)",
              "print('survived', flush=True)",
            ].join("\n"),
          ],
          { cwd: dirs.checkout, pty },
        );
      try {
        // 20,000 files against 32 MiB: more than one 4 KiB block's worth each.
        const many = await make(20_000);
        expect(many.limit?.name).toBe("disk");
        expect(many.stdout).not.toContain("survived");
        await rm(dirs.checkout, { recursive: true, force: true });
        await mkdir(dirs.checkout);
        // Control: a few thousand files are fine.
        const few = await make(2_000);
        expect(few.limit).toBeUndefined();
        expect(few.stdout).toContain("survived");
      } finally {
        await rm(dirs.checkout, { recursive: true, force: true });
        await mkdir(dirs.checkout);
      }
    });

    it("empty files in /tmp and /dev/shm count in the memory limit: their inodes are the kernel's memory", async () => {
      // A tmpfs counts no block for an empty file: millions of them were memory no limit measured.
      const make = (dir: string, n: number) =>
        run()(
          "python3",
          [
            "-c",
            [
              "import os, time",
              `for i in range(${n}):`,
              `    os.close(os.open("${dir}/empty-%d" % i, os.O_CREAT | os.O_WRONLY))`,
              "print('made', flush=True)",
              "time.sleep(2)",
              "print('survived', flush=True)",
            ].join("\n"),
          ],
          { cwd: dirs.checkout, pty },
        );
      // 40,000 files against 128 MiB: more than one 4 KiB page's worth each.
      for (const dir of ["/tmp", "/dev/shm"]) {
        const many = await make(dir, 40_000);
        expect(many.limit?.name).toBe("memory");
        expect(many.stdout).not.toContain("survived");
      }
      // Control: a few thousand are fine.
      const few = await make("/tmp", 2_000);
      expect(few.limit).toBeUndefined();
      expect(few.stdout).toContain("survived");
    });

    it("says how much memory the run's processes held at most (what the memory budget learns)", async () => {
      // 32 MiB held for a second, in a child of the shell: the whole tree is measured.
      const held = await run()("sh", ["-c", "perl -e 'my $x = \"x\" x (32 << 20); sleep 1; print length($x)'"], {
        cwd: dirs.checkout,
        pty,
      });
      expect(held.exitCode).toBe(0);
      expect(held.peakMemoryBytes).toBeGreaterThan(30 * 1024 ** 2);
      expect(held.peakMemoryBytes).toBeLessThan(110 * 1024 ** 2);
      // Control: a run that holds little is measured as little.
      const small = await run()("sh", ["-c", "sleep 1"], { cwd: dirs.checkout, pty });
      expect(small.peakMemoryBytes).toBeLessThan(16 * 1024 ** 2);
    });

    it("a timeout ends everything it started, also what left its session with setsid", async () => {
      const marker = pty ? "6161" : "6162";
      const r = await run()("sh", ["-c", `setsid sleep ${marker} & sleep ${marker}`], {
        cwd: dirs.checkout,
        pty,
        timeoutMs: 500,
        killGraceMs: 200,
      });
      expect(r.timedOut).toBe(true);
      expect(processesWith(`sleep ${marker}`)).toEqual([]);
    });
  });
}
