import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseDuTotal } from "../../runners/sandbox/disk-watch.js";
import { createSpawner } from "../../runners/spawner/spawner.js";

// Every run ends with a measure of its dirs, walked in the spawner (runners/spawner/disk_walk.py)
// instead of by `du`: the walk must count what `du -s -x` counts, byte for byte and inode for
// inode, so the disk limit means the same whichever measured; and a tree it does not take must
// be left to `du`, never counted short.

const spawner = createSpawner();
afterAll(() => spawner.release());

let root = "";
afterEach(() => {
  if (root) {
    spawnSync("chmod", ["-R", "u+rwx", root]);
    rmSync(root, { recursive: true, force: true });
  }
});

function du(dirs: string[]): { bytes: number; inodes: number } {
  const run = (flag: string) =>
    spawnSync("du", ["-s", "-x", flag, "--", ...dirs], { encoding: "utf8", env: { PATH: process.env.PATH, LC_ALL: "C" } }).stdout;
  return { bytes: parseDuTotal(run("-B1")), inodes: parseDuTotal(run("--inodes")) };
}

/** A run's two dirs as a run leaves them: files of all sizes, links of both kinds, nesting. */
function runDirs(): { checkout: string; plans: string; outside: string } {
  root = mkdtempSync(join(tmpdir(), "disk-walk-"));
  const checkout = join(root, "checkout");
  const plans = join(root, "plans");
  const outside = join(root, "outside");
  for (const d of [checkout, plans, outside, join(checkout, "a/b/c/d/e")]) mkdirSync(d, { recursive: true });
  writeFileSync(join(outside, "big"), Buffer.alloc(8 * 1024 * 1024, 1));
  writeFileSync(join(checkout, "main.tf"), 'resource "null_resource" "x" {}\n');
  writeFileSync(join(checkout, "a/b/c/d/e/deep"), Buffer.alloc(300_000, 2));
  for (let i = 0; i < 50; i++) writeFileSync(join(checkout, "a/b", `empty-${i}`), "");
  writeFileSync(join(plans, "plan.tfplan"), Buffer.alloc(70_000, 3));
  // Hard links within a dir and across the two: each inode once.
  linkSync(join(checkout, "a/b/c/d/e/deep"), join(checkout, "deep-again"));
  linkSync(join(plans, "plan.tfplan"), join(checkout, "a/plan-link"));
  // A symlink to a large file and to a dir elsewhere: counted as themselves, never followed.
  symlinkSync(join(outside, "big"), join(checkout, "to-big"));
  symlinkSync(outside, join(checkout, "a/to-outside"));
  // A sparse file: its blocks, not its length.
  spawnSync("truncate", ["-s", "1G", join(plans, "sparse")]);
  return { checkout, plans, outside };
}

describe("the spawner's disk walk", () => {
  it("counts a run's dirs as du -s -x does: bytes and inodes, each inode once, links not followed", async () => {
    const { checkout, plans } = runDirs();
    const walked = await spawner.measure([checkout, plans]);
    expect(walked).toEqual(du([checkout, plans]));
    // What it found, so the equality above is not two zeros: the 8 MB behind the symlinks are not in it.
    expect(walked).toMatchObject({ bytes: expect.any(Number), inodes: 63 });
    const { bytes } = walked as { bytes: number };
    expect(bytes).toBeGreaterThan(370_000);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it("control: the same dir given twice counts once, and a dir that is gone counts nothing", async () => {
    const { checkout } = runDirs();
    const once = await spawner.measure([checkout]);
    expect(await spawner.measure([checkout, checkout, join(root, "gone")])).toEqual(once);
  });

  it("leaves a tree too deep or too large for it to du, rather than counting it short", async () => {
    root = mkdtempSync(join(tmpdir(), "disk-walk-"));
    let deep = join(root, "deep");
    for (let i = 0; i < 70; i++) deep = join(deep, "d");
    mkdirSync(deep, { recursive: true });
    expect(await spawner.measure([join(root, "deep")])).toEqual({ unknown: "deeper than 64 levels" });
    const wide = join(root, "wide");
    mkdirSync(wide);
    for (let i = 0; i < 20_001; i++) writeFileSync(join(wide, String(i)), "");
    expect(await spawner.measure([wide])).toEqual({ unknown: "more than 20000 entries" });
    // Control: the same trees within its bounds are its to count.
    rmSync(join(root, "deep/d/d/d/d/d/d/d/d/d/d"), { recursive: true });
    expect(await spawner.measure([join(root, "deep")])).toEqual(du([join(root, "deep")]));
  });
});

// Sluice runs as an ordinary user, whom a dir's mode binds: a run that makes a dir unreadable
// hides what it holds from any walk. The walk is run here as such a user (`nobody` when the tests
// run as root), the module itself as the spawner loads it.
const asRoot = process.getuid?.() === 0;
const nobody = asRoot ? Number(spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim()) : undefined;

function walkAsRunUser(dirs: string[]): unknown {
  const code = "import sys, json; sys.path.insert(0, sys.argv[1]); import disk_walk; print(json.dumps(disk_walk.measure(sys.argv[2:])))";
  const argv = ["python3", "-I", "-S", "-c", code, join(import.meta.dirname, "../../runners/spawner"), ...dirs];
  const [file, args] = asRoot ? ["runuser", ["-u", "nobody", "--", ...argv]] : [argv[0] as string, argv.slice(1)];
  const r = spawnSync(file, args, { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("the spawner's disk walk, a dir the run made unreadable", () => {
  function hiding20MB(): string {
    root = mkdtempSync(join(tmpdir(), "disk-walk-"));
    chmodSync(root, 0o755);
    const hidden = join(root, "x");
    mkdirSync(hidden);
    writeFileSync(join(hidden, "f"), Buffer.alloc(20 * 1024 * 1024, 1));
    if (nobody !== undefined) for (const p of [root, hidden, join(hidden, "f")]) chownSync(p, nobody, nobody);
    return hidden;
  }

  it("is no measure (mode 000), not nothing", () => {
    chmodSync(hiding20MB(), 0o000);
    expect(walkAsRunUser([root])).toEqual({ leftOut: true });
  });

  it("is no measure when it can be listed but not entered (mode 0400)", () => {
    chmodSync(hiding20MB(), 0o400);
    expect(walkAsRunUser([root])).toEqual({ leftOut: true });
  });

  it("control: readable, its 20 MB are counted", () => {
    hiding20MB();
    const walked = walkAsRunUser([root]) as { bytes: number };
    expect(walked.bytes).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    expect(walked).toEqual(du([root]));
  });
});
