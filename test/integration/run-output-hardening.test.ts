import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDuTotal } from "../../runners/sandbox/disk-watch.js";
import { DiskReserve, isDiskFull, reserveKeeper } from "../../src/util/disk-reserve.js";
import { removeTree } from "../../src/workspace/remove-tree.js";
import { conePaths } from "../../src/workspace/cone-paths.js";
import { GIT_ENV, gitArgv } from "../../src/workspace/git-command.js";
import { hashFile } from "../../src/workspace/hash-file.js";

const root = mkdtempSync(join(tmpdir(), "sluice-hardening-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("conePaths", () => {
  const files = ["README.md", "a/main.tf", "a/b/c/x.tf", "a/b/y.tf", "a/b/c/d/z.tf", "m/main.tf", "other/o.tf", "ab/no.tf"];
  it.each([
    [[], ["README.md"]],
    [["."], ["README.md"]],
    [["m"], ["README.md", "m/main.tf"]],
    // A nested dir: everything below it, and the files directly in each of its parents.
    [["a/b/c"], ["README.md", "a/main.tf", "a/b/c/x.tf", "a/b/y.tf", "a/b/c/d/z.tf"]],
    // `a` does not take `ab`.
    [["a/"], ["README.md", "a/main.tf", "a/b/c/x.tf", "a/b/y.tf", "a/b/c/d/z.tf"]],
  ])("%j", (dirs, expected) => {
    expect(conePaths(files, dirs)).toEqual(expected);
  });

  it("a shallow dir gives only the files directly in it; named whole too, or below a whole dir, everything", () => {
    expect(conePaths(files, ["a/b", "m"], ["a/b"])).toEqual(["README.md", "a/main.tf", "a/b/y.tf", "m/main.tf"]);
    // Control: the same dirs, none shallow.
    expect(conePaths(files, ["a/b", "m"])).toEqual(["README.md", "a/main.tf", "a/b/c/x.tf", "a/b/y.tf", "a/b/c/d/z.tf", "m/main.tf"]);
    // Under a dir written whole, a shallow one's subdirs come with it.
    expect(conePaths(files, ["a", "a/b"], ["a/b"])).toEqual(["README.md", "a/main.tf", "a/b/c/x.tf", "a/b/y.tf", "a/b/c/d/z.tf"]);
    // `shallow` names only some of `dirs`: one not in `dirs` adds nothing.
    expect(conePaths(files, ["m"], ["other"])).toEqual(["README.md", "m/main.tf"]);
  });
});

describe("gitArgv and GIT_ENV", () => {
  it("name the repository and pin every setting that could run a program or read another file", () => {
    const argv = gitArgv("/data/repos/x.git", ["checkout-index", "--all"], "/data/worktrees/x/1/abc");
    const pinned = Object.fromEntries(
      argv.flatMap((a, i) => (argv[i - 1] === "-c" ? [a.split("=", 2) as [string, string]] : [])).map(([k, v]) => [k, v ?? ""]),
    );
    expect(pinned).toMatchObject({
      "core.fsmonitor": "false",
      "core.hooksPath": "/dev/null",
      "core.attributesFile": "/dev/null",
      "core.sshCommand": "/bin/false",
      "protocol.allow": "never",
      "protocol.https.allow": "always",
    });
    expect(pinned).not.toHaveProperty("protocol.file.allow");
    expect(argv.slice(-4)).toEqual(["--git-dir=/data/repos/x.git", "--work-tree=/data/worktrees/x/1/abc", "checkout-index", "--all"]);
    expect(gitArgv("/m", ["fetch"])).not.toContain("--work-tree=/m");
    expect(GIT_ENV).toMatchObject({ GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_ATTR_NOSYSTEM: "1" });
  });

  it("git started so reads no repository from a dir a run wrote: a planted .git with fsmonitor and hooks runs nothing", () => {
    const mirror = join(root, "mirror.git");
    const tree = join(root, "tree");
    const marker = join(root, "ran");
    execFileSync("git", ["init", "-q", "--bare", mirror]);
    execFileSync("git", ["init", "-q", tree]);
    const evil = join(tree, "evil.sh");
    writeFileSync(evil, `#!/bin/sh\necho ran >> ${marker}\n`, { mode: 0o755 });
    execFileSync("git", ["-C", tree, "config", "core.fsmonitor", evil]);
    execFileSync("git", ["-C", tree, "config", "core.hooksPath", tree]);
    writeFileSync(join(tree, "post-checkout"), `#!/bin/sh\necho ran >> ${marker}\n`, { mode: 0o755 });
    const out = execFileSync("git", gitArgv(mirror, ["status", "--porcelain"], tree), { cwd: tree, env: { ...process.env, ...GIT_ENV } });
    expect(out.toString()).toContain("evil.sh");
    expect(existsSync(marker)).toBe(false);
  });
});

describe("removeTree", () => {
  it("removes a tree deeper than PATH_MAX allows to name, and symlinks without following them", async () => {
    const dir = join(root, "deep");
    const outside = join(root, "outside.txt");
    writeFileSync(outside, "keep\n");
    execFileSync("sh", [
      "-c",
      `mkdir ${dir} && cd ${dir} && ln -s ${outside} link && ln -s / rootlink && c=""; j=0; while [ $j -lt 100 ]; do c="$c""dddddddd/"; j=$((j+1)); done; i=0; while [ $i -lt 10 ]; do mkdir -p $c && cd -P $c; i=$((i+1)); done; mkfifo fifo; echo x > f`,
    ]);
    await expect(import("node:fs/promises").then((fs) => fs.rm(dir, { recursive: true, force: true }))).rejects.toThrow(/ENAMETOOLONG/);
    await removeTree(dir);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(outside)).toBe(true);
  });

  it("does nothing for a path that is not there", async () => {
    await expect(removeTree(join(root, "nothing"))).resolves.toBeUndefined();
  });
});

describe("hashFile", () => {
  it("refuses a symlink and a FIFO a run left where the plan file was; hashes a regular file", async () => {
    const file = join(root, "plan.tfplan");
    writeFileSync(file, "plan");
    expect(await hashFile(file)).toMatch(/^[0-9a-f]{64}$/);
    const link = join(root, "link.tfplan");
    symlinkSync("/etc/passwd", link);
    await expect(hashFile(link)).rejects.toThrow(/not a regular file/);
    const fifo = join(root, "fifo.tfplan");
    execFileSync("mkfifo", [fifo]);
    await expect(hashFile(fifo)).rejects.toThrow(/not a regular file/);
  });
});

describe("disk", () => {
  it("parseDuTotal adds du's lines", () => {
    expect(parseDuTotal("4096\t/a\n123\t/b\n")).toBe(4219);
    expect(parseDuTotal("")).toBe(0);
  });

  it.each([
    [{ code: "ENOSPC" }, true],
    [{ code: "SQLITE_FULL", message: "database or disk is full" }, true],
    [new Error("database or disk is full"), true],
    [{ code: "EACCES" }, false],
    [new Error("SQLITE_BUSY"), false],
  ])("isDiskFull(%j) = %s", (e, full) => {
    expect(isDiskFull(e)).toBe(full);
  });

  it("DiskReserve writes real blocks, gives them up once, and the keeper writes it again at most once a minute", async () => {
    const file = join(root, "reserve");
    const reserve = new DiskReserve(file, 2 * 1024 * 1024);
    expect(await reserve.ensure()).toBe(true);
    expect(statSync(file).blocks * 512).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    expect(await reserve.release()).toBe(true);
    expect(await reserve.release()).toBe(false);
    let t = 0;
    const keeper = reserveKeeper(reserve, () => t);
    await keeper.afterWrite();
    expect(await reserve.present()).toBe(true);
    await reserve.release();
    t = 30_000;
    await keeper.afterWrite();
    expect(await reserve.present()).toBe(false);
    t = 61_000;
    await keeper.afterWrite();
    expect(await reserve.present()).toBe(true);
  });
});
