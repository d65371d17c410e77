import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { captureOutput, MAX_CAPTURE } from "../../runners/capture-output.js";
import { exec } from "../../runners/exec.js";
import { createRedactor } from "../../src/util/redact.js";

// A run's captured output (what comments, checks and the store get) is cut past 64M characters.
// It was cut where a read of the pipe or terminal ended, anywhere in a line, and redacted after:
// a run printing a secret it holds (a credential in its environment) over and over around the cap
// left the first part of it at the end, which no redaction of the whole matches.

const SECRET = "AKIAsecretVALUEabcdefghij0123456789XYZ";
const KEY_LINES = ["MIIEpAIBAAKCAQEA1234567890abcdef", "qwertyuiopasdfghjkl0987654321ZZ"];
const KEY = ["-----BEGIN RSA PRIVATE KEY-----", ...KEY_LINES, "-----END RSA PRIVATE KEY-----"].join("\n");

/** Filler up to a little before the cap, then `line` over and over, all in large writes (as a buffered writer makes them). */
const around = (line: string, before = 4100) =>
  `{ head -c ${MAX_CAPTURE - before} /dev/zero | tr '\\0' 'x'; echo; yes -- '${line}' | head -n 60000; } | cat`;

/** The longest start of the secret (8 characters or more) left at the end of the text. */
function leakedPrefix(text: string): string {
  const tail = text.trimEnd().slice(-SECRET.length);
  for (let n = SECRET.length - 1; n >= 8; n--) if (tail.endsWith(SECRET.slice(0, n))) return SECRET.slice(0, n);
  return "";
}

describe("captured output cut at its cap", () => {
  for (const pty of [false, true]) {
    it(`${pty ? "pty" : "pipe"}: no part of a secret is left where the capture was cut, and it ends at a line's end`, async () => {
      const redact = createRedactor({ secrets: [SECRET] });
      for (const before of [4100, 4111, 4125]) {
        const r = await exec("sh", ["-c", around(SECRET, before)], { cwd: tmpdir(), redact, pty, timeoutMs: 120_000 });
        expect(r.exitCode).toBe(0);
        expect(r.stdout).not.toContain(SECRET);
        expect(leakedPrefix(r.stdout)).toBe("");
        expect(r.stdout.endsWith("\n")).toBe(true);
        expect(r.stdout.length).toBeLessThanOrEqual(MAX_CAPTURE);
      }
    }, 300_000);
  }

  it("a multi-line secret cut by the cap is redacted whole: none of its lines is left", async () => {
    const redact = createRedactor({ secrets: [KEY] });
    for (const before of [4100, 4150, 4180, 4200]) {
      const r = await exec("sh", ["-c", around(KEY, before)], { cwd: tmpdir(), redact, timeoutMs: 120_000 });
      expect(r.exitCode).toBe(0);
      for (const line of KEY_LINES) expect(r.stdout).not.toContain(line);
    }
  }, 300_000);

  it("a multi-line secret printed over and over past the cap, redacted to far less: the cut end keeps none of its lines", () => {
    // Each copy redacted shrinks to a marker, so the whole redacted capture falls under the cap
    // though its raw end cut the last copy in half (a credentials file, not a PEM block: those
    // have a pattern of their own that redacts an unterminated one).
    const lines = Array.from({ length: 26 }, (_, i) => `${String(i).padStart(2, "0")}${"Kq9".repeat(21)}z`);
    const secret = ["client_secrets:", ...lines, "end"].join("\n");
    const redact = createRedactor({ secrets: [secret] });
    const stream = `${secret}\n`.repeat(Math.ceil((4 * 1024 * 1024) / secret.length));
    for (const shift of [0, 700, 1300]) {
      const capture = captureOutput();
      capture.push(`${"x".repeat(MAX_CAPTURE - 2 * 1024 * 1024 + shift)}\n`);
      // Reads of a pipe: 64 KiB, wherever that ends.
      for (let at = 0; at < stream.length; at += 65536) capture.push(stream.slice(at, at + 65536));
      expect(capture.dropped()).toBe(true);
      const text = capture.text(redact);
      for (const line of lines) expect(text).not.toContain(line);
      expect(text.endsWith("[redacted]\n")).toBe(true);
    }
  });

  it("control: output under the cap is kept whole (a last line without its end too); output over it keeps all its whole lines up to the cap", async () => {
    const redact = createRedactor({ secrets: [SECRET] });
    const small = await exec("sh", ["-c", `echo one; printf '%s' 'tail-without-end ${SECRET}'`], { cwd: tmpdir(), redact });
    expect(small.stdout).toBe("one\ntail-without-end [redacted]");
    const big = await exec("sh", ["-c", around("plain line of output")], { cwd: tmpdir(), redact, timeoutMs: 120_000 });
    expect(big.stdout.length).toBeGreaterThan(MAX_CAPTURE - 64);
    expect(big.stdout.length).toBeLessThanOrEqual(MAX_CAPTURE);
    expect(big.stdout.endsWith("plain line of output\n")).toBe(true);
  }, 300_000);
});
