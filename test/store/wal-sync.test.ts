import { readdirSync, readlinkSync, unlinkSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { coalesced, walSyncer } from "../../src/store/db/sqlite-db.js";
import { groupCommit } from "../../src/store/db/sqlite-group-commit.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

/** A promise and the functions that settle it. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const turns = (n: number) =>
  new Promise<void>((resolve) => {
    const turn = (left: number) => (left === 0 ? resolve() : setImmediate(() => turn(left - 1)));
    turn(n);
  });

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("commits made durable off the event loop (the deliveries' connection)", () => {
  it("a caller is answered by a sync that started after it called; callers meanwhile share the next one", async () => {
    const runs: ReturnType<typeof deferred>[] = [];
    const sync = coalesced(() => {
      const d = deferred();
      runs.push(d);
      return d.promise;
    });
    const answered: string[] = [];
    const call = (name: string) => sync().then(() => answered.push(name));
    void call("a");
    expect(runs).toHaveLength(1);
    void call("b");
    void call("c");
    // b and c came while the first sync ran: it may not answer them.
    expect(runs).toHaveLength(1);
    runs[0]?.resolve();
    await turns(5);
    expect(answered).toEqual(["a"]);
    expect(runs).toHaveLength(2);
    void call("d");
    runs[1]?.resolve();
    await turns(5);
    expect(answered).toEqual(["a", "b", "c"]);
    expect(runs).toHaveLength(3);
    runs[2]?.resolve();
    await turns(5);
    expect(answered).toEqual(["a", "b", "c", "d"]);
  });

  it("a failed sync fails the callers it was to answer, and the next callers get a sync of their own", async () => {
    let n = 0;
    const sync = coalesced(async () => {
      n++;
      if (n === 1) throw new Error("EIO");
    });
    await expect(sync()).rejects.toThrow("EIO");
    await expect(sync()).resolves.toBeUndefined();
    expect(n).toBe(2);
  });

  it("a group's callers are answered only once the sync after its commit is done; a failed sync fails them, though committed", async () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t (v TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    let sync = deferred();
    const grouped = groupCommit(db, { busyTimeoutMs: 5000, afterCommit: () => sync.promise });
    let settled = false;
    const first = grouped(() => insert.run("a")).finally(() => {
      settled = true;
    });
    await turns(10);
    // Committed (readable on the connection), not yet answered.
    expect(db.prepare("SELECT v FROM t").all()).toEqual([{ v: "a" }]);
    expect(settled).toBe(false);
    sync.resolve();
    await first;
    sync = deferred();
    const second = grouped(() => insert.run("b"));
    await turns(10);
    sync.reject(new Error("EIO"));
    await expect(second).rejects.toThrow("EIO");
    // Control: without afterCommit a group is answered as soon as it commits.
    const plain = groupCommit(db, { busyTimeoutMs: 5000 });
    await expect(plain(() => insert.run("c"))).resolves.toBeDefined();
    db.close();
  });

  it("the store's connection commits with synchronous = NORMAL, and what it answered is there after reopening", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-walsync-"));
    const file = join(dir, "sluice.db");
    const store = openSqliteStore(file);
    const target = { installationId: 7, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://example.test/a.git", pr: 1 };
    const recorded = await store.recordDelivery("d-1", "issue_comment", {
      target,
      spec: { kind: "reply", body: "help", commentId: 1, actor: "alice" },
    });
    expect(recorded.duplicate).toBe(false);
    await store.close();
    const again = new Database(file);
    expect(again.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(again.prepare("SELECT COUNT(*) AS n FROM jobs").get()).toEqual({ n: 1 });
    again.close();
  });

  it("keeps one handle on the WAL for its syncs, and lets it go when the store closes", async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "sluice-walsync-")));
    const file = join(dir, "sluice.db");
    const store = openSqliteStore(file);
    const target = { installationId: 7, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://example.test/a.git", pr: 1 };
    const spec = { kind: "reply" as const, body: "help" as const, commentId: 1, actor: "alice" };
    for (const id of ["d-1", "d-2", "d-3"]) await store.recordDelivery(id, "issue_comment", { target, spec });
    // SQLite's own, and the one the syncs share (the control: not one per sync, not none).
    expect(handlesOn(`${file}-wal`)).toBe(2);
    await store.close();
    expect(handlesOn(`${file}-wal`)).toBe(0);
  });

  it("syncs the WAL beside the real file of a database reached through a symlink", async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "sluice-walsync-")));
    await mkdir(join(dir, "volume"));
    const real = join(dir, "volume", "sluice.db");
    const link = join(dir, "sluice.db");
    await symlink(real, link);
    const store = openSqliteStore(link);
    await store.recordDelivery("d-1", "ping", undefined);
    // SQLite's and the syncs' (the control: the path beside the link has no WAL to sync).
    expect(handlesOn(`${real}-wal`)).toBe(2);
    await store.close();
  });

  it("a WAL missing while its connection is open in WAL mode fails the sync instead of skipping it", async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "sluice-walsync-")));
    const missing = join(dir, "gone.db-wal");
    await expect(walSyncer(missing, () => true).sync()).rejects.toThrow(/ENOENT/);
    // Control: with no connection that needs it (closed, or not in WAL mode), nothing to sync.
    await expect(walSyncer(missing, () => false).sync()).resolves.toBeUndefined();
  });

  it("a WAL that cannot be synced fails the writes it was to answer and tells the store's owner once", async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "sluice-walsync-")));
    const failures: unknown[] = [];
    const onSyncFailure = (e: unknown) => failures.push(e);
    // Control: a WAL that syncs.
    const fine = openSqliteStore(join(dir, "fine.db"), { onSyncFailure });
    expect((await fine.recordDelivery("d-1", "ping", undefined)).duplicate).toBe(false);
    await fine.close();
    expect(failures).toEqual([]);
    // Removed under the open connection before the first sync (SQLite writes on through its own
    // handle): every sync of it fails from now on.
    const file = join(dir, "broken.db");
    const broken = openSqliteStore(file, { onSyncFailure });
    unlinkSync(`${file}-wal`);
    // Two groups, one after the other: each fails; the owner hears of it once.
    await expect(broken.recordDelivery("d-1", "ping", undefined)).rejects.toThrow(/ENOENT/);
    await expect(broken.recordDelivery("d-2", "ping", undefined)).rejects.toThrow(/ENOENT/);
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toMatch(/ENOENT/);
    await broken.close();
  });

  it("closing lets the data dir go at once; the WAL handle follows", async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "sluice-walsync-")));
    const file = join(dir, "sluice.db");
    const first = openSqliteStore(file);
    await first.recordDelivery("d-1", "ping", undefined);
    const closing = first.close();
    // Before the close has resolved: the same data dir opens again (a caller that did not wait).
    const second = openSqliteStore(file);
    await closing;
    expect(await second.recordDelivery("d-1", "ping", undefined)).toEqual({ duplicate: true });
    await second.close();
    expect(handlesOn(`${file}-wal`)).toBe(0);
  });
});

/** This process's open file descriptors on `path`, also once it was deleted (SQLite deletes the WAL on close). */
function handlesOn(path: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target === path || target === `${path} (deleted)`;
    } catch {
      return false;
    }
  }).length;
}
