import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { liveRedactor } from "../../runners/live-redactor.js";
import { missingBinaryOf } from "../../runners/missing-tool.js";
import { SpawnError, ToolMissingError } from "../../runners/spawn-error.js";
import { createRedactor } from "../../src/util/redact.js";

// The spawn choke point under hostile output. Live output (job logs) is redacted chunk by chunk as
// it streams: a secret that one read splits in two must not reach the log in halves. And a run
// under a pty must report how its command really ended.

const SECRET = "s3cr3t-VALUE-0123456789";
const MULTILINE = "first-line-of-it\nsecond-line-of-it";
const KEY =
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1234567890abcdef\nqwertyuiopasdfghjkl0987654321ZZ\n-----END RSA PRIVATE KEY-----";

/** A shell script that prints `parts` with pauses in between, so each lands in its own read. */
function slowPrint(parts: string[]): string[] {
  const script = parts.map((p) => `printf '%s' '${p.replace(/'/g, "'\\''")}'; sleep 0.15`).join("; ");
  return ["-c", script];
}

async function streamed(parts: string[], pty: boolean) {
  const redact = createRedactor({ secrets: [SECRET, MULTILINE] });
  const chunks: string[] = [];
  const r = await exec("sh", slowPrint(parts), { cwd: tmpdir(), redact, onOutput: (c) => chunks.push(c), pty });
  return { chunks, live: chunks.join(""), result: r };
}

describe("live output redaction", () => {
  for (const pty of [false, true]) {
    const mode = pty ? "pty" : "pipe";

    it(`${mode}: a secret split across reads never reaches the stream in part`, async () => {
      const half = SECRET.length >> 1;
      const { live, result } = await streamed(["before\nkey=", SECRET.slice(0, half), SECRET.slice(half), "\nafter\n"], pty);
      for (const text of [live, result.stdout]) {
        expect(text).not.toContain(SECRET.slice(0, half));
        expect(text).not.toContain(SECRET.slice(half));
        expect(text).toContain("key=[redacted]");
        expect(text).toContain("after");
      }
    });

    it(`${mode}: a multi-line secret and a private key split at their line ends are redacted whole`, async () => {
      const [first, second] = MULTILINE.split("\n") as [string, string];
      const keyLines = KEY.split("\n");
      const parts = [`a ${first}\n`, `${second} b\n`, ...keyLines.map((l) => `${l}\n`), "done\n"];
      const { live } = await streamed(parts, pty);
      expect(live).not.toContain(first);
      expect(live).not.toContain(second);
      for (const line of keyLines.slice(1, -1)) expect(live).not.toContain(line);
      expect(live).toContain("done");
    });

    it(`${mode}: output before a held line is released while the command still runs`, async () => {
      let ended = false;
      const seenBeforeEnd: string[] = [];
      const redact = createRedactor({ secrets: [SECRET] });
      const run = exec("sh", slowPrint(["early line\n", "partial", " rest\n"]), {
        cwd: tmpdir(),
        redact,
        pty,
        onOutput: (c) => {
          if (!ended) seenBeforeEnd.push(c);
        },
      });
      await run.then(() => {
        ended = true;
      });
      expect(seenBeforeEnd.join("")).toContain("early line");
    });
  }
});

describe("liveRedactor (property)", () => {
  it("whatever the chunking, the stream equals redacting the whole text (ended by a line end)", () => {
    const piece = fc.constantFrom("a", "b", "\n", " ", SECRET, MULTILINE, KEY, SECRET.slice(0, 5), "x-access-token:abc@h", "ghp_");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, cuts) => {
        const text = pieces.join("");
        const redact = createRedactor({ secrets: [SECRET, MULTILINE] });
        const out: string[] = [];
        const live = liveRedactor(redact, (c) => out.push(c));
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        let last = 0;
        for (const p of [...points, text.length]) {
          live.push(text.slice(last, p));
          last = p;
        }
        live.flush();
        const streamedText = out.join("");
        expect(streamedText).not.toContain(SECRET);
        expect(streamedText).not.toContain(MULTILINE);
        // The end of a stream is a line end (see flush): the next run's output starts a new line.
        expect(streamedText).toBe(redact(text === "" || text.endsWith("\n") ? text : `${text}\n`));
      }),
      { numRuns: 500 },
    );
  });
});

describe("liveRedactor with multi-line secrets", () => {
  it("releases each line at once when no multi-line secret can be starting, and holds one that may be", () => {
    const redact = createRedactor({ secrets: [KEY, MULTILINE] });
    const out: string[] = [];
    const live = liveRedactor(redact, (c) => out.push(c));
    live.push("line 1\n");
    live.push("line 2\n");
    expect(out.join("")).toBe("line 1\nline 2\n");
    // The first line of a known multi-line secret: kept back until it is clear what follows.
    live.push("x first-line-of-it\n");
    expect(out.join("")).toBe("line 1\nline 2\n");
    live.push("not the rest of it\n");
    expect(out.join("")).toBe("line 1\nline 2\nx first-line-of-it\nnot the rest of it\n");
    live.push(`x ${KEY.slice(0, 60)}`);
    live.push(`${KEY.slice(60)}\nend\n`);
    live.flush();
    expect(out.join("")).toBe(redact(out.join("")));
    expect(out.join("")).not.toContain("MIIEpAIBAAKCAQEA1234567890abcdef");
  });
});

describe("pty runs", () => {
  it("a command that closes its terminal before it exits is not reported killed by SIGHUP", async () => {
    // Closing every terminal fd makes the pty master close while the command still runs; the
    // kernel then sends SIGHUP. Coreutils do this at exit, which made quick steps fail at random.
    const done = join(tmpdir(), `sluice-hup-${process.pid}-${Date.now()}`);
    const r = await exec("sh", ["-c", `exec 0<&- 1>&- 2>&-; sleep 0.3; touch ${done}`], { cwd: tmpdir(), pty: true });
    expect(r.signal).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(existsSync(done)).toBe(true);
    rmSync(done, { force: true });
  });

  it("the last KiB a command printed as it exited are read (a state Terraform prints at its exit is among them)", async () => {
    // libuv took the terminal's close for its end while a few KiB were still queued: about one
    // run in three of this lost its last line.
    const print = "head -c 800000 /dev/zero | tr '\\0' a; echo END";
    for (let i = 0; i < 20; i++) {
      const r = await exec("sh", ["-c", print], { cwd: tmpdir(), pty: true });
      expect(r.stdout.length).toBe(800_005);
      expect(r.stdout.endsWith("aEND\r\n")).toBe(true);
    }
  });

  it("how the command ended is reported as it ended, with nothing of the wrapper in its output", async () => {
    const run = (script: string, timeoutMs = 30_000) => exec("sh", ["-c", script], { cwd: tmpdir(), pty: true, timeoutMs });
    expect(await run("printf partial; exit 3")).toMatchObject({ exitCode: 3, signal: undefined, stdout: "partial" });
    expect(await run("echo done")).toMatchObject({ exitCode: 0, signal: undefined, stdout: "done\r\n" });
    // The shell that waits for the command says nothing of a command a signal ended.
    expect(await run("kill -TERM $$")).toMatchObject({ exitCode: null, signal: "SIGTERM", stdout: "" });
    expect(await run("kill -KILL $$")).toMatchObject({ exitCode: null, signal: "SIGKILL", stdout: "" });
    expect(await run("exit 143")).toMatchObject({ exitCode: null, signal: "SIGTERM" });
    // 128 + a signal that stops, continues or is ignored by default is an exit code, not a signal
    // to raise in the wrapper: SIGSTOP held it (and the run) until the timeout.
    for (const code of [145, 146, 147, 148, 149, 150, 151, 156]) {
      expect(await run(`printf x; exit ${code}`, 20_000)).toMatchObject({
        exitCode: code,
        signal: undefined,
        timedOut: false,
        stdout: "x",
      });
    }
    // Asked to stop at its timeout, the command gets SIGTERM and what it prints stopping is read.
    const stopped = await run("trap 'echo saving state; exit 7' TERM; sleep 30 & wait", 500);
    expect(stopped).toMatchObject({ timedOut: true, exitCode: 7, stdout: "saving state\r\n" });
  });

  it("a command that leaves the terminal's line settings changed is not held to its timeout", async () => {
    // With CR and NL both read as CR, Sluice's answer to the wrapper was no line end: the run of a
    // command that had succeeded waited for its timeout and was reported timed out.
    const r = await exec("sh", ["-c", "stty -icrnl inlcr; echo ok"], { cwd: tmpdir(), pty: true, timeoutMs: 5_000 });
    expect(r).toMatchObject({ timedOut: false, exitCode: 0, signal: undefined, stdout: "ok\r\n" });
  });

  it("a command outside the sandbox cannot learn the end mark from its wrapper and hide what it prints after", async () => {
    // Its wrapper's argv (in /proc, readable to the same user) and any file named there: a mark
    // printed early ended Sluice's read of the output, and what came after went unseen.
    const peek = [
      "for a in $(tr '\\0' ' ' < /proc/$PPID/cmdline); do case $a in */sluice-mark-*) cat \"$a\" 2>/dev/null;; esac; done",
      "tr '\\0' '\\n' < /proc/$PPID/cmdline | grep -o 'SLUICE-END-[0-9A-F]*'",
      "echo; echo hidden-after-the-mark",
    ].join("; ");
    const r = await exec("sh", ["-c", peek], { cwd: tmpdir(), pty: true, timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 0, timedOut: false });
    expect(r.stdout).toContain("hidden-after-the-mark");
    // The file the mark came in is gone once the run ended.
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith("sluice-mark-") && r.stdout.includes(f))).toEqual([]);
  });

  it("a command that leaves a directory where its mark file was does not turn its run into an error", async () => {
    // The mark file's path stays in the wrapper's argv (/proc, same user with the sandbox off):
    // a directory made there failed Sluice's removal of the file, and the finished run (an
    // apply's output among it) was lost to a raw fs error.
    const squat = [
      'for a in $(tr \'\\0\' \' \' < /proc/$PPID/cmdline); do case $a in */sluice-mark-*) mkdir "$a" && echo "$a" > "$a.squat";; esac; done',
      "echo output-kept",
    ].join("; ");
    try {
      const r = await exec("sh", ["-c", squat], { cwd: tmpdir(), pty: true, timeoutMs: 10_000 });
      expect(r).toMatchObject({ exitCode: 0, timedOut: false });
      expect(r.stdout).toContain("output-kept");
    } finally {
      for (const f of readdirSync(tmpdir()).filter((f) => f.startsWith("sluice-mark-") && f.endsWith(".squat"))) {
        rmSync(join(tmpdir(), f.slice(0, -".squat".length)), { recursive: true, force: true });
        rmSync(join(tmpdir(), f), { force: true });
      }
    }
  });

  it("a mark file that cannot be written is a start failure that says so, never a raw error", async () => {
    const before = process.env.TMPDIR;
    process.env.TMPDIR = join(tmpdir(), `sluice-no-such-dir-${process.pid}`);
    try {
      const run = exec("/bin/echo", ["ok"], { cwd: "/", pty: true });
      await expect(run).rejects.toBeInstanceOf(SpawnError);
      await expect(run).rejects.toThrow(/could not start \/bin\/echo: its terminal's end mark could not be written in .* \(ENOENT\)/);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  });

  it("a command that suspends the terminal's output as it exits is not held to its timeout", async () => {
    // tcflow(TCOOFF) is a flow stop no `stty` setting undoes: the wrapper's end mark waited behind
    // it, and a run that had succeeded was reported timed out.
    const stop = `printf x; /usr/bin/python3 -c "import termios; termios.tcflow(1, termios.TCOOFF)"`;
    const r = await exec("sh", ["-c", stop], { cwd: tmpdir(), pty: true, timeoutMs: 8_000 });
    expect(r).toMatchObject({ timedOut: false, exitCode: 0, signal: undefined, stdout: "x" });
  });

  it("the wrapper's own tools are not looked up on the run's PATH (it runs outside the sandbox)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-path-"));
    writeFileSync(join(dir, "stty"), `#!/bin/sh\ntouch ${join(dir, "ran")}\n`);
    chmodSync(join(dir, "stty"), 0o755);
    const r = await exec("/bin/echo", ["ok"], { cwd: tmpdir(), pty: true, env: { PATH: `${dir}:/usr/bin:/bin` } });
    expect(r).toMatchObject({ exitCode: 0, stdout: "ok\r\n" });
    expect(existsSync(join(dir, "ran"))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("spawn failures are typed, not read from a message", () => {
  for (const pty of [false, true]) {
    const mode = pty ? "pty" : "pipe";

    it(`${mode}: a binary that is not there is a ToolMissingError naming it`, async () => {
      const run = exec("sluice-no-such-tool", ["plan"], { cwd: tmpdir(), pty });
      await expect(run).rejects.toBeInstanceOf(ToolMissingError);
      await expect(run).rejects.toThrow(/^could not start sluice-no-such-tool: /);
      expect(missingBinaryOf(await run.catch((e: unknown) => e))).toBe("sluice-no-such-tool");
    });
  }

  it("a binary that is there but cannot be run is a spawn failure, not a missing tool", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-noexec-"));
    try {
      const tool = join(dir, "terraform");
      writeFileSync(tool, "#!/bin/sh\necho hi\n");
      chmodSync(tool, 0o644);
      const e = await exec(tool, ["version"], { cwd: dir }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SpawnError);
      expect(e).not.toBeInstanceOf(ToolMissingError);
      expect(e).toMatchObject({ binary: tool, code: "EACCES" });
      expect(missingBinaryOf(e)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a working directory that is gone is not reported as a missing tool", async () => {
    const e = await exec("sh", ["-c", "true"], { cwd: join(tmpdir(), "sluice-gone-dir-that-does-not-exist") }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SpawnError);
    expect(missingBinaryOf(e)).toBeUndefined();
    expect((e as Error).message).toContain("working directory");
  });

  it("output that reads like a spawn failure is just output", async () => {
    // A PR can make a tool print anything; only the spawn itself decides what is missing.
    const r = await exec("sh", ["-c", "echo 'could not start terraform: spawn terraform ENOENT' >&2; exit 1"], { cwd: tmpdir() });
    expect(r.exitCode).toBe(1);
    expect(missingBinaryOf(new Error(r.stderr))).toBeUndefined();
  });
});

describe("liveRedactor at its limits", () => {
  const stream = (chunks: string[], runs: "one run" | "a run per chunk") => {
    const redact = createRedactor({ secrets: [SECRET] });
    let log = "";
    let live = liveRedactor(redact, (s) => {
      log += s;
    });
    for (const c of chunks) {
      live.push(c);
      if (runs === "a run per chunk") {
        live.flush();
        live = liveRedactor(redact, (s) => {
          log += s;
        });
      }
    }
    live.flush();
    return log;
  };

  it("releases a line that never ends past its bound without letting out half a secret a read split", () => {
    const pad = "A".repeat(1024 * 1024 - 5);
    const log = stream([pad + SECRET.slice(0, 10), `${SECRET.slice(10)} tail\n`], "one run");
    expect(log).not.toContain(SECRET.slice(0, 10));
    expect(log).toContain("tail\n");
    // Control: the bound was reached, so the padding went out before the line ended.
    expect(log.length).toBeGreaterThan(pad.length);
  });

  it("does not let two runs' output join into a secret in the job log", () => {
    const log = stream([`step one\n${SECRET.slice(0, 10)}`, `${SECRET.slice(10)}\n`], "a run per chunk");
    expect(log).not.toContain(SECRET);
    // Control: in one run the same reads are redacted as a whole.
    expect(stream([`step one\n${SECRET.slice(0, 10)}`, `${SECRET.slice(10)}\n`], "one run")).not.toContain(SECRET);
  });
});
