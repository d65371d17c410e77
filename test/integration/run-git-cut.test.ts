import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CAPTURE } from "../../runners/capture-output.js";
import { GitOutputCut } from "../../src/workspace/git-error.js";
import { createRunGit } from "../../src/workspace/run-git.js";

/** A git read longer than a run's output holds is an error, never its first part taken for all of it. */
let dir = "";
const blob = (text: string) => execFileSync("git", ["-C", dir, "hash-object", "-w", "--stdin"], { input: text, encoding: "utf8" }).trim();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-run-git-cut-"));
  execFileSync("git", ["init", "-q", "--bare", dir]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("createRunGit", () => {
  it("throws GitOutputCut for output past the capture; control: one under it is read whole", async () => {
    const git = createRunGit({ timeoutMs: 60_000, redact: (s) => s });
    const line = `${"x".repeat(1023)}\n`;
    const long = line.repeat(Math.ceil((MAX_CAPTURE + 2 * 1024 * 1024) / 1024));
    const big = blob(long);
    await expect(git(dir, ["cat-file", "blob", big])).rejects.toBeInstanceOf(GitOutputCut);
    const small = blob(line.repeat(1000));
    const r = await git(dir, ["cat-file", "blob", small]);
    expect(r.stdout).toHaveLength(1024 * 1000);
  });
});
