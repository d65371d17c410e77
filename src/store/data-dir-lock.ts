import { readFileSync, rmSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";

/** Another process holds the data dir: a clear refusal, not a fault to retry. */
export class DataDirInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirInUseError";
  }
}

/**
 * One process per data dir: the embedded store's run locks live in the process's memory, so a
 * second Sluice on the same dir would break "one plan or apply per project at a time".
 *
 * The guard is a lock the kernel releases when the holder dies, however it dies: a small SQLite
 * database held with `locking_mode=EXCLUSIVE` after a write (SQLite's POSIX advisory lock). No
 * pid file: a pid outlives its process (a zombie not yet reaped) or names another process after
 * reuse, and then refused every restart until someone deleted the file. The `.owner` file beside
 * it only names the holder in the refusal; nothing trusts it.
 *
 * `dbFile` is the store's file; returns the release function. `refusal` words the refusal for a
 * lock on something else (the worktrees' dir: checkWorktreeRoot).
 */
export function lockDataDir(
  dbFile: string,
  refusal = (holder: string, lockFile: string) =>
    `another Sluice process${holder} is using this data dir (it holds ${lockFile}); the embedded store serves one process at a time (use DATABASE_URL=postgres://… for several replicas)`,
): () => void {
  const lockFile = `${dbFile}.process-lock`;
  const ownerFile = `${lockFile}.owner`;
  // busy timeout 0: a held lock is a refusal now, not a wait.
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    // The write takes the EXCLUSIVE lock; in this locking mode it is kept until the connection closes.
    db.exec("BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder;");
    db.prepare("INSERT INTO holder (pid) VALUES (?)").run(process.pid);
    db.exec("COMMIT");
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === "SQLITE_BUSY" || (e as { code?: string }).code === "SQLITE_LOCKED") {
      throw new DataDirInUseError(refusal(holderOf(ownerFile), lockFile));
    }
    throw e;
  }
  writeFileSync(ownerFile, `${process.pid}\n`);
  // The pid file of older versions: never read, it only confused people.
  rmSync(`${dbFile}.lock`, { force: true });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    rmSync(ownerFile, { force: true });
    db.close();
  };
}

function holderOf(ownerFile: string): string {
  try {
    const pid = Number(readFileSync(ownerFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? ` (pid ${pid})` : "";
  } catch {
    return "";
  }
}
