import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { duLeftOut, parseDuTotal } from "../../runners/sandbox/disk-watch.js";

// Sluice runs as an ordinary user (the image's `sluice`), whom a dir's mode binds: a run that
// writes 20 MB into a dir and then makes it unreadable (`chmod 000`) hides them from the disk
// measure's `du`, which skips the dir and prints only an error. The walk is run here as an ordinary
// user too (`nobody` when the tests run as root), with the real du and the measure's own arguments.

let dir = "";
afterEach(() => {
  if (dir) {
    spawnSync("chmod", ["-R", "u+rwx", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

const asRoot = process.getuid?.() === 0;
const nobody = asRoot ? Number(spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim()) : undefined;

function du(target: string): { stdout: string; stderr: string } {
  const argv = ["du", "-s", "-x", "-B1", "--", target];
  const [file, args] = asRoot ? ["runuser", ["-u", "nobody", "--", ...argv]] : [argv[0] as string, argv.slice(1)];
  const r = spawnSync(file, args, { encoding: "utf8", env: { PATH: process.env.PATH, LC_ALL: "C" } });
  return { stdout: r.stdout, stderr: r.stderr };
}

function runDirHolding20MB(): string {
  dir = mkdtempSync(join(tmpdir(), "du-unreadable-"));
  chmodSync(dir, 0o755);
  const hidden = join(dir, "x");
  mkdirSync(hidden);
  writeFileSync(join(hidden, "f"), Buffer.alloc(20 * 1024 * 1024, 1));
  if (nobody !== undefined) {
    chownSync(dir, nobody, nobody);
    chownSync(hidden, nobody, nobody);
    chownSync(join(hidden, "f"), nobody, nobody);
  }
  return hidden;
}

describe("disk measure: a dir the run made unreadable", () => {
  it("is not counted as nothing: the walk that left it out is no measure", () => {
    const hidden = runDirHolding20MB();
    chmodSync(hidden, 0o000);
    const r = du(dir);
    // What the measure summed before: the 20 MB are gone from it.
    expect(parseDuTotal(r.stdout)).toBeLessThan(1024 * 1024);
    expect(duLeftOut(r.stderr)).toBe(true);
  });

  it("a dir it can list but not enter (0400) is left out too", () => {
    const hidden = runDirHolding20MB();
    chmodSync(hidden, 0o400);
    expect(duLeftOut(du(dir).stderr)).toBe(true);
  });

  it("control: a readable dir is measured, its 20 MB counted", () => {
    runDirHolding20MB();
    const r = du(dir);
    expect(duLeftOut(r.stderr)).toBe(false);
    expect(parseDuTotal(r.stdout)).toBeGreaterThanOrEqual(20 * 1024 * 1024);
  });

  it("control: a file removed during the walk is not a dir left out", () => {
    expect(duLeftOut("du: cannot access '/w/.terraform/tmp123': No such file or directory\n")).toBe(false);
  });
});
