import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createSpawner } from "../../runners/spawner/spawner.js";

/** Tools are started by the spawner process, not by the app: what that must not change. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Gone, or exited and not reaped yet (a zombie); one read, so a reaping in between is "gone", not an error. */
const ended = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw e;
  }
};
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
const ROOT = join(import.meta.dirname, "../..");
/** The file `python3` on PATH runs as (through a shim, the interpreter behind it). */
const pythonExecutable = () => execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("the spawner process", () => {
  it("starts tools as its own children, with exactly the environment and stdin given", async () => {
    const r = await exec("/bin/sh", ["-c", 'read line; echo "$line $PPID $SLUICE_TEST_VAR"'], {
      cwd: "/",
      env: { SLUICE_TEST_VAR: "given" },
      input: "typed\n",
    });
    expect(r.exitCode).toBe(0);
    const [line, ppid, value] = r.stdout.trim().split(" ");
    expect([line, value]).toEqual(["typed", "given"]);
    expect(Number(ppid)).not.toBe(process.pid);
    expect(cmdline(Number(ppid))).toContain("spawner.py");
  });

  it("a spawner that dies reports its running tool killed, and the next tool starts in a new one", async () => {
    let said = "";
    const running = exec("/bin/sh", ["-c", "echo $PPID; exec sleep 30"], {
      cwd: "/",
      onOutput: (c) => {
        said += c;
      },
    });
    // The tool's first line names its parent, the spawner.
    await waitFor("the tool", () => said.includes("\n"));
    const spawnerPid = Number(said.trim());
    expect(cmdline(spawnerPid)).toContain("spawner.py");
    process.kill(spawnerPid, "SIGKILL");
    const r = await running;
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe("SIGKILL");
    const next = await exec("/bin/sh", ["-c", "echo $PPID"], { cwd: "/" });
    expect(next.exitCode).toBe(0);
    expect(Number(next.stdout.trim())).not.toBe(spawnerPid);
  });

  it("holds back a tool's output while the app does not take it, instead of piling it up", async () => {
    let said = "";
    // 256 MiB of output, as fast as a pipe takes it, after naming the spawner.
    const running = exec("/bin/sh", ["-c", "echo $PPID; exec head -c 268435456 /dev/zero"], {
      cwd: "/",
      onOutput: (c) => {
        said ||= c;
      },
    });
    await waitFor("the tool", () => said.includes("\n"));
    const spawnerPid = Number(said.trim().split("\n")[0]);
    // The app is busy for a while and reads nothing: the spawner must not read on for it.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      // busy
    }
    const peakMb = Number(/VmHWM:\s*(\d+)/.exec(readFileSync(`/proc/${spawnerPid}/status`, "utf8"))?.[1]) / 1024;
    const r = await running;
    expect(r.exitCode).toBe(0);
    // Without the hold-back the spawner held most of the 256 MiB by then (it starts at ~14 MB).
    expect(peakMb).toBeLessThan(64);
  });

  it("an idle spawner is let go, and the next tool starts a new one; a running tool keeps it", async () => {
    const spawner = createSpawner(300);
    const run = async (script: string) => {
      const tool = await spawner.spawn({ file: "/bin/sh", args: ["-c", script], cwd: "/", env: {}, stdin: false });
      let out = "";
      tool.stdout.on("data", (c: Buffer) => {
        out += c.toString();
      });
      tool.stderr.resume();
      await tool.exited;
      return out.trim();
    };
    const first = Number(await run("echo $PPID"));
    expect(spawner.running()).toBe(true);
    // A tool that runs longer than the idle time keeps its spawner.
    expect(Number(await run("sleep 0.6; echo $PPID"))).toBe(first);
    await waitFor("the idle spawner to end", () => ended(first), 5_000);
    expect(spawner.running()).toBe(false);
    const second = Number(await run("echo $PPID"));
    expect(second).not.toBe(first);
    expect(cmdline(second)).toContain("spawner.py");
  });

  it("release() lets an idle spawner go at once, not while it runs a tool", async () => {
    // The idle time is far longer than the test: only release() can end the spawner here.
    const spawner = createSpawner(600_000);
    const started = await spawner.spawn({ file: "/bin/sh", args: ["-c", "read x; echo $PPID"], cwd: "/", env: {}, stdin: true });
    let out = "";
    started.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    started.stderr.resume();
    // Control: asked while the tool runs, the spawner stays and the tool ends as it would.
    spawner.release();
    expect(spawner.running()).toBe(true);
    started.stdin?.end("go\n");
    expect((await started.exited).exitCode).toBe(0);
    const first = Number(out.trim());
    expect(cmdline(first)).toContain("spawner.py");
    spawner.release();
    expect(spawner.running()).toBe(false);
    await waitFor("the released spawner to end", () => ended(first), 5_000);
    const next = await startTool(spawner, { args: ["-c", "echo $PPID"] });
    expect(Number(next.out.toString().trim())).not.toBe(first);
    spawner.release();
  });

  it("a later spawner runs the interpreter the first one ran in, without looking python3 up again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-shim-"));
    const log = join(dir, "started");
    const real = pythonExecutable();
    // A version manager's shim: the first start goes through it, as `python3` on PATH.
    writeFileSync(join(dir, "python3"), `#!/bin/sh\necho "$$" >> ${log}\nexec ${real} "$@"\n`);
    chmodSync(join(dir, "python3"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    try {
      const spawner = createSpawner(200);
      const ppidOf = async () => Number((await startTool(spawner, { args: ["-c", "echo $PPID"] })).out.toString().trim());
      const first = await ppidOf();
      await waitFor("the idle spawner to end", () => !spawner.running(), 5_000);
      const second = await ppidOf();
      expect(second).not.toBe(first);
      // Control: the first start went through the shim; the second did not.
      expect(readFileSync(log, "utf8").trim().split("\n")).toHaveLength(1);
      expect(cmdline(second).split(" ")[0]).toBe(real);
    } finally {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("when the app dies, the tools it started die with it (sandbox or not)", async () => {
    const script = `import { exec } from ${JSON.stringify(join(ROOT, "runners/exec.ts"))};
void exec("/bin/sh", ["-c", "echo tool=$$; exec sleep 60"], { cwd: "/", onOutput: (c) => process.stdout.write(c) });`;
    const app = spawn(process.execPath, ["--import", "tsx/esm", "--input-type=module", "-e", script], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    app.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    await waitFor("the tool's pid", () => /tool=\d+/.test(out), 20_000);
    const tool = Number(/tool=(\d+)/.exec(out)?.[1]);
    expect(alive(tool)).toBe(true);
    app.kill("SIGKILL");
    await waitFor("the tool to end", () => ended(tool));
  });

  it("starts each tool with every signal at its default (the spawner ignores SIGPIPE, as Python does)", async () => {
    const r = await exec("/bin/sh", ["-c", 'grep SigIgn /proc/self/status; echo "$PPID"'], { cwd: "/" });
    const [line, ppid] = r.stdout.trim().split("\n");
    // /bin/sh reads its own status through grep, a child it starts with what it inherited. Signals
    // 1-31 at their default; glibc's posix_spawn leaves its two internal ones (32, 33) ignored,
    // which every program linked with glibc sets up again at its start.
    const ignored = BigInt(`0x${/^SigIgn:\s+([0-9a-f]+)$/.exec(line ?? "")?.[1] ?? "ff"}`);
    expect(ignored & 0x7fffffffn).toBe(0n);
    // Control: the spawner itself ignores SIGPIPE (bit 13), so without the reset the tools would too.
    const spawnerIgnored = /SigIgn:\s+([0-9a-f]+)/.exec(readFileSync(`/proc/${ppid}/status`, "utf8"))?.[1] ?? "0";
    expect(BigInt(`0x${spawnerIgnored}`) & (1n << 12n)).not.toBe(0n);
  });

  it("a tool that does not read its stdin holds up no other tool", async () => {
    let said = "";
    // 4 MiB for a tool that never reads: far more than its pipe takes.
    const sleeper = exec("/bin/sh", ["-c", "echo $$; exec sleep 10"], {
      cwd: "/",
      input: "x".repeat(4 << 20),
      onOutput: (c) => {
        said += c;
      },
    });
    await waitFor("the sleeper", () => said.includes("\n"));
    const pid = Number(said.trim());
    const other = await exec("/bin/sh", ["-c", "echo ran"], { cwd: "/" });
    expect(other.stdout.trim()).toBe("ran");
    // The other tool ran while the sleeper still held its unread stdin.
    expect(alive(pid)).toBe(true);
    process.kill(pid, "SIGTERM");
    expect((await sleeper).signal).toBe("SIGTERM");
  });

  it("without python3 on PATH, a start fails saying what to install", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const spawner = createSpawner(300);
      await expect(spawner.spawn({ file: "/bin/true", args: [], cwd: "/", env: {}, stdin: false })).rejects.toThrow(
        /spawner could not start \(spawn python3 ENOENT\).*install Python 3\.8 or later/,
      );
      expect(spawner.running()).toBe(false);
    } finally {
      process.env.PATH = path;
    }
    // Control: the same start with python3 found.
    const tool = await createSpawner(300).spawn({ file: "/bin/true", args: [], cwd: "/", env: {}, stdin: false });
    tool.stdout.resume();
    tool.stderr.resume();
    expect(await tool.exited).toEqual({ exitCode: 0, signal: null });
  });

  const startTool = async (
    spawner: ReturnType<typeof createSpawner>,
    req: Partial<Parameters<ReturnType<typeof createSpawner>["spawn"]>[0]>,
  ) => {
    const tool = await spawner.spawn({ file: "/bin/sh", args: [], cwd: "/", env: {}, stdin: false, ...req });
    const out: Buffer[] = [];
    tool.stdout.on("data", (c: Buffer) => out.push(c));
    tool.stderr.resume();
    const end = await tool.exited;
    return { ...end, out: Buffer.concat(out) };
  };

  it("a tool ended by a signal Python has no name for ends only itself", async () => {
    const spawner = createSpawner(300);
    const innocent = startTool(spawner, { args: ["-c", "sleep 1; echo still"] });
    const odd = await startTool(spawner, { args: ["-c", "kill -s 35 $$"] });
    expect([odd.exitCode, odd.signal]).toEqual([null, "SIG35"]);
    const r = await innocent;
    expect([r.exitCode, r.out.toString().trim()]).toEqual([0, "still"]);
  });

  it("finds a tool as execvp does: not executable is EACCES, not a missing tool; no #! line runs in sh", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-spawner-"));
    try {
      writeFileSync(join(dir, "tool"), "echo from-sh\n", { mode: 0o644 });
      const spawner = createSpawner(300);
      await expect(spawner.spawn({ file: "tool", args: [], cwd: "/", env: { PATH: dir }, stdin: false })).rejects.toMatchObject({
        code: "EACCES",
      });
      // Control: executable, it runs (through /bin/sh: it has no #! line).
      chmodSync(join(dir, "tool"), 0o755);
      const r = await startTool(spawner, { file: "tool", env: { PATH: dir } });
      expect([r.exitCode, r.out.toString()]).toEqual([0, "from-sh\n"]);
      rmSync(join(dir, "tool"));
      await expect(spawner.spawn({ file: "tool", args: [], cwd: "/", env: { PATH: dir }, stdin: false })).rejects.toMatchObject({
        code: "ENOENT",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("arguments go as Node would send them: UTF-8, a lone surrogate as U+FFFD; a relative cwd is the app's", async () => {
    const spawner = createSpawner(300);
    const r = await startTool(spawner, {
      file: "/bin/sh",
      args: ["-c", 'printf %s "$1"; printf " %s" "$PWD"', "sh", "ü€\ud800"],
      cwd: ".",
    });
    expect(r.out.toString("hex")).toBe(Buffer.from(`ü€\ufffd ${process.cwd()}`).toString("hex"));
  });

  it("a Ctrl-C to the app's process group leaves the spawner and its tools running", async () => {
    const spawner = createSpawner(300);
    let said = "";
    const tool = await spawner.spawn({ file: "/bin/sh", args: ["-c", "echo $PPID; sleep 1; echo done"], cwd: "/", env: {}, stdin: false });
    tool.stdout.on("data", (c: Buffer) => {
      said += c.toString();
    });
    tool.stderr.resume();
    await waitFor("the tool", () => said.includes("\n"));
    const spawnerPid = Number(said.trim());
    process.kill(spawnerPid, "SIGINT");
    process.kill(spawnerPid, "SIGHUP");
    expect(await tool.exited).toEqual({ exitCode: 0, signal: null });
    expect(said.trim().split("\n")[1]).toBe("done");
    expect(alive(spawnerPid)).toBe(true);
  });

  it("stdout to a file: written straight there, never relayed; an existing path or a symlink fails the start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-spawner-"));
    try {
      const file = join(dir, "out");
      let said = "";
      const r = await exec("/bin/sh", ["-c", "seq 1 200000; echo err >&2"], {
        cwd: "/",
        stdoutFile: file,
        onOutput: (c) => {
          said += c;
        },
      });
      expect([r.exitCode, r.stdout, r.stderr, said]).toEqual([0, "", "err\n", "err\n"]);
      const text = readFileSync(file, "utf8");
      expect(text.split("\n")).toHaveLength(200_001);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // Never an existing file (nor one a symlink in its place points at): the run does not start.
      await expect(exec("/bin/echo", ["again"], { cwd: "/", stdoutFile: file })).rejects.toThrow(/EEXIST/);
      writeFileSync(join(dir, "target"), "kept");
      symlinkSync(join(dir, "target"), join(dir, "link"));
      await expect(exec("/bin/echo", ["via link"], { cwd: "/", stdoutFile: join(dir, "link") })).rejects.toThrow(/EEXIST/);
      expect(readFileSync(join(dir, "target"), "utf8")).toBe("kept");
      expect(readFileSync(file, "utf8")).toBe(text);
      // Not with a pty (its output is one stream).
      await expect(exec("/bin/echo", [], { cwd: "/", pty: true, stdoutFile: join(dir, "pty") })).rejects.toThrow(/pipe runs only/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
