import type { TrustedStateCount } from "../model/state-count.js";
import type { Tx, TxBody } from "./db/db.js";
import type { StoreDriver } from "./store-driver.js";

// A project is its repo, dir and workspace; where several base projects share those (each its own
// backend: see check-projects.ts), also its recorded name (the trusted identity's), the one param.
const SAME_PROJECT =
  "b.repo = a.repo AND b.dir = a.dir AND b.workspace = a.workspace AND (CAST(? AS TEXT) IS NULL OR b.project = a.project)";

/**
 * Keeps a succeeded apply's read-back count as the project's trusted count: what the state held,
 * but never more than the count before plus what every apply since (this one, and any that failed
 * or was cut short in between: it may have created what it planned) could add, less what this one
 * deleted (the read-back found it gone). The state terraform
 * writes starts from the plan file's prior state, which the run wrote: resources it made up there
 * are read back too, and must not raise what later plans are measured against.
 */
export function* keepStateCount(t: Tx, id: number, addresses: number, named?: string): TxBody<void> {
  const by = named ?? null;
  const before = yield* t.get<{ id: number; n: number }>(
    `SELECT b.id AS id, b.state_addresses AS n FROM live_applies a JOIN live_applies b ON ${SAME_PROJECT}
     WHERE a.id = ? AND b.id < a.id AND b.outcome = 'succeeded' AND b.state_addresses IS NOT NULL ORDER BY b.id DESC LIMIT 1`,
    [by, id],
  );
  let count = addresses;
  if (before !== undefined) {
    const since = yield* t.get<{ grown: number | null; deleted: number | null }>(
      `SELECT SUM(COALESCE(b.state_grown, 0)) AS grown, MAX(COALESCE(a.state_deletes, 0)) AS deleted
       FROM live_applies a JOIN live_applies b ON ${SAME_PROJECT} WHERE a.id = ? AND b.id > ? AND b.id <= a.id`,
      [by, id, before.id],
    );
    const bound = Number(before.n) + Number(since?.grown ?? 0) - Number(since?.deleted ?? 0);
    count = Math.max(0, Math.min(addresses, bound));
  }
  yield* t.run("UPDATE live_applies SET state_addresses = ? WHERE id = ?", [count, id]);
}

/**
 * The trusted counts of a project's state: see TrustedStateCount. `named`: the recorded name,
 * where several base projects share the dir and workspace.
 */
export async function trustedStateCount(
  driver: StoreDriver,
  repo: string,
  dir: string,
  workspace: string,
  named?: string,
): Promise<TrustedStateCount | undefined> {
  const here = "repo = ? AND dir = ? AND workspace = ? AND (CAST(? AS TEXT) IS NULL OR project = ?) AND outcome = 'succeeded'";
  const at = [repo, dir, workspace, named ?? null, named ?? null];
  return driver.db.tx(function* (t) {
    const now = yield* t.get<{ n: number }>(
      `SELECT state_addresses AS n FROM live_applies WHERE ${here} AND state_addresses IS NOT NULL ORDER BY id DESC LIMIT 1`,
      at,
    );
    // Since the last teardown the rules let through (its own count included: what it left).
    const since = yield* t.get<{ id: number | null }>(`SELECT MAX(id) AS id FROM live_applies WHERE ${here} AND teardown = ?`, [
      ...at,
      true,
    ]);
    const from = Number(since?.id ?? 0);
    // The latest apply that found the most: deletes before it are made up for by what it holds.
    const peak = yield* t.get<{ id: number; n: number }>(
      `SELECT id, state_addresses AS n FROM live_applies WHERE ${here} AND id >= ? AND state_addresses IS NOT NULL
       ORDER BY state_addresses DESC, id DESC LIMIT 1`,
      [...at, from],
    );
    if (now === undefined || peak === undefined) return undefined;
    const deleted = yield* t.get<{ n: number | null }>(
      `SELECT SUM(COALESCE(state_deletes, 0)) AS n FROM live_applies WHERE ${here} AND id > ?`,
      [...at, peak.id],
    );
    return { now: Number(now.n), peak: Number(peak.n), deletedSincePeak: Number(deleted?.n ?? 0) };
  });
}
