import type { StateReadBackCount, TrustedStateCount } from "../model/state-count.js";
import type { Tx, TxBody } from "./db/db.js";
import type { StoreDriver } from "./store-driver.js";

/** A succeeded apply of the same project (repo, dir, workspace as `a`) that kept a count. */
const COUNTED = `b.repo = a.repo AND b.dir = a.dir AND b.workspace = a.workspace AND b.outcome = 'succeeded' AND b.state_addresses IS NOT NULL`;

/**
 * Keeps a succeeded apply's read-back count as the project's trusted count: what the state held,
 * but never more than the count before plus what the plan added. The state terraform writes
 * starts from the plan file's prior state, which the run wrote: resources it made up there
 * are read back too, and must not raise what later plans are measured against.
 */
export function* keepStateCount(t: Tx, id: number, readBack: StateReadBackCount): TxBody<void> {
  const before = yield* t.get<{ n: number }>(
    `SELECT b.state_addresses AS n FROM live_applies a JOIN live_applies b ON ${COUNTED} AND b.id < a.id WHERE a.id = ? ORDER BY b.id DESC LIMIT 1`,
    [id],
  );
  const count = before === undefined ? readBack.addresses : Math.min(readBack.addresses, Number(before.n) + readBack.grown);
  yield* t.run("UPDATE live_applies SET state_addresses = ? WHERE id = ?", [count, id]);
}

/** The trusted counts of a project's state: see TrustedStateCount. */
export async function trustedStateCount(
  driver: StoreDriver,
  repo: string,
  dir: string,
  workspace: string,
): Promise<TrustedStateCount | undefined> {
  const where = "repo = ? AND dir = ? AND workspace = ? AND outcome = 'succeeded'";
  const row = await driver.db.get<{ now: number | null; peak: number | null }>(
    `SELECT
       (SELECT state_addresses FROM live_applies WHERE ${where} AND state_addresses IS NOT NULL ORDER BY id DESC LIMIT 1) AS now,
       (SELECT MAX(state_addresses) FROM live_applies WHERE ${where} AND id >= COALESCE(
          (SELECT MAX(id) FROM live_applies WHERE ${where} AND teardown = ?), 0)) AS peak`,
    [repo, dir, workspace, repo, dir, workspace, repo, dir, workspace, true],
  );
  if (row?.now == null || row.peak == null) return undefined;
  return { now: Number(row.now), peak: Number(row.peak) };
}
