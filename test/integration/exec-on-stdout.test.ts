import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";

// ExecOptions.onStdout: stdout handed over as it streams (a state read back of any size), never kept.
describe("exec's onStdout", () => {
  it("a pipe run hands all its stdout over, as it streams, and keeps none of it", async () => {
    const chunks: string[] = [];
    const r = await exec("sh", ["-c", "head -c 3000000 /dev/zero | tr '\\0' a; echo oops >&2"], {
      cwd: "/",
      onStdout: (c) => chunks.push(c),
    });
    expect(r.exitCode).toBe(0);
    expect(chunks.join("").length).toBe(3_000_000);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("oops\n");
  });

  it("a pty run cannot hand stdout over (it is merged with stderr): refused, never silently ignored", async () => {
    const chunks: string[] = [];
    await expect(exec("echo", ["state"], { cwd: "/", pty: true, onStdout: (c) => chunks.push(c) })).rejects.toThrow(/onStdout.*pty/);
    expect(chunks).toEqual([]);
  });
});
