import { chmodSync, chownSync, lchownSync, mkdirSync, renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkWorktreeRoot, holdWorktreeRoot } from "../../src/app/check-worktree-root.js";
import { EnvError } from "../../src/config/env-config.js";
import { dataPaths } from "../../src/workspace/data-paths.js";
import { testDir } from "../support/temp-dir.js";

/**
 * SLUICE_WORKTREE_DIR on a shared tmpfs: Sluice's own dir there (0700) is only safe while no other
 * user can rename it away and put a link or a dir of theirs in its place. The start check is the
 * only one: a dir above it another user can write (without the sticky bit), or owns, lets them
 * swap it after start, and Sluice then writes every PR's files where they read and change them.
 */
const base = testDir("sluice-wt-root-");
const OTHER_UID = 54321;
const data = join(base, "data");

describe.runIf(process.getuid?.() === 0)("checkWorktreeRoot: the dirs above Sluice's own", () => {
  it("refuses SLUICE_WORKTREE_DIR made first by another user (/dev/shm/sluice), who could swap Sluice's dir after the check", () => {
    const theirs = join(base, "shm-theirs", "sluice");
    mkdirSync(theirs, { recursive: true });
    chmodSync(theirs, 0o777);
    chownSync(theirs, OTHER_UID, OTHER_UID);
    const root = dataPaths.worktreeRoot(data, theirs);
    expect(() => checkWorktreeRoot(theirs, root)).toThrow(EnvError);
    // What the check let through: the other user renames Sluice's dir away and links its name to theirs.
    renameSync(root, `${root}-old`);
    symlinkSync(join(base, "shm-theirs"), root);
  });

  it("refuses a dir above it that others may write without the sticky bit", () => {
    const open = join(base, "open", "sluice");
    mkdirSync(open, { recursive: true });
    chmodSync(join(base, "open"), 0o777);
    expect(() => checkWorktreeRoot(open, dataPaths.worktreeRoot(data, open))).toThrow(/SLUICE_WORKTREE_DIR/);
  });

  it("refuses a path through a link another user owns", () => {
    const sticky = join(base, "sticky-link");
    mkdirSync(join(sticky, "target"), { recursive: true });
    chmodSync(sticky, 0o1777);
    symlinkSync(join(sticky, "target"), join(sticky, "sluice"));
    lchownSync(join(sticky, "sluice"), OTHER_UID, OTHER_UID);
    // lchown: the link itself is theirs.
    const via = join(sticky, "sluice");
    expect(() => checkWorktreeRoot(via, dataPaths.worktreeRoot(data, via))).toThrow(/SLUICE_WORKTREE_DIR/);
  });

  it("control: a sticky shared dir (as /dev/shm is), and a dir of Sluice's own made there, are taken", () => {
    const shm = join(base, "shm");
    mkdirSync(shm);
    chmodSync(shm, 0o1777);
    expect(() => checkWorktreeRoot(shm, dataPaths.worktreeRoot(data, shm))).not.toThrow();
    const own = join(shm, "sluice");
    expect(() => checkWorktreeRoot(own, dataPaths.worktreeRoot(data, own))).not.toThrow();
  });
});

describe("holdWorktreeRoot: one process per worktrees' dir", () => {
  it("refuses a second holder of the same root (a replica whose data dir has the same path), naming the variable; free again once let go", () => {
    const root = dataPaths.worktreeRoot(join(base, "same-path-data"), join(base, "shared-shm"));
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const first = holdWorktreeRoot(root);
    expect(() => holdWorktreeRoot(root)).toThrow(/SLUICE_WORKTREE_DIR: another Sluice process \(pid \d+\) writes its worktrees in/);
    expect(() => holdWorktreeRoot(root)).toThrow(EnvError);
    // Control: another data dir's root is its own, and the same root is free once the holder is gone.
    const other = dataPaths.worktreeRoot(join(base, "other-data"), join(base, "shared-shm"));
    mkdirSync(other, { recursive: true, mode: 0o700 });
    holdWorktreeRoot(other)();
    first();
    holdWorktreeRoot(root)();
  });
});
