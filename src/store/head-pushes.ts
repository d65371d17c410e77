import type { HeadPushStore } from "../model/head-push.js";
import type { Db } from "./db/db.js";
import { now } from "./store-driver.js";

/** The heads' pushers' queries, written once for both databases. */
export function headPushMethods(db: Db): HeadPushStore {
  return {
    async recordHeadPush(repo, pr, sha, pusher, pushedAt, pusherId) {
      // A push of the same commit again (force-pushed away and back) moves its time on; a replay of
      // an older event never moves it back. An account id once heard is kept.
      const at = pushedAt ? new Date(pushedAt).toISOString() : now();
      await db.run(
        `INSERT INTO head_pushes (repo, pr, head_sha, pusher, pushed_at, pusher_id) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (repo, pr, head_sha, pusher) DO UPDATE SET
           pushed_at = CASE WHEN excluded.pushed_at > head_pushes.pushed_at THEN excluded.pushed_at ELSE head_pushes.pushed_at END,
           pusher_id = COALESCE(head_pushes.pusher_id, excluded.pusher_id)`,
        [repo, pr, sha, pusher, at, pusherId ?? null],
      );
    },
    async headPushedAt(repo, pr, sha) {
      const row = await db.get<{ at: string | null }>(
        "SELECT MAX(pushed_at) AS at FROM head_pushes WHERE repo = ? AND pr = ? AND head_sha = ?",
        [repo, pr, sha],
      );
      return row?.at ?? undefined;
    },
    async headMovedAwaySince(repo, pr, sha) {
      const row = await db.get<{ n: number | string }>(
        // At or after: GitHub's times are whole seconds, and two pushes of one second (the head
        // moved on, then back) must count as moved away. Read the other way round, the branch's
        // activity is only read once more.
        `SELECT COUNT(*) AS n FROM head_pushes WHERE repo = ? AND pr = ? AND head_sha <> ? AND pushed_at >=
           (SELECT MAX(pushed_at) FROM head_pushes WHERE repo = ? AND pr = ? AND head_sha = ?)`,
        [repo, pr, sha, repo, pr, sha],
      );
      return Number(row?.n ?? 0) > 0;
    },
    async otherHeadPushedAt(repo, pr, sha) {
      const row = await db.get<{ at: string | null }>(
        "SELECT MAX(pushed_at) AS at FROM head_pushes WHERE repo = ? AND pr = ? AND head_sha <> ?",
        [repo, pr, sha],
      );
      return row?.at ?? undefined;
    },
    async headPushers(repo, pr, sha) {
      const where = ofHead(repo, pr, sha);
      const rows = await db.all<{ pusher: string }>(
        `SELECT pusher, MIN(pushed_at) AS first_at FROM head_pushes WHERE ${where.sql} GROUP BY pusher ORDER BY first_at, pusher`,
        where.params,
      );
      return rows.map((r) => r.pusher);
    },
    async headPusherIds(repo, pr, sha) {
      const where = ofHead(repo, pr, sha);
      const rows = await db.all<{ id: number | string }>(
        `SELECT DISTINCT pusher_id AS id FROM head_pushes WHERE ${where.sql} AND pusher_id IS NOT NULL`,
        where.params,
      );
      return rows.map((r) => Number(r.id));
    },
    async headPusherAccounts(repo, pr, sha) {
      const rows = await db.all<{ pusher: string; id: number | string | null }>(
        `SELECT pusher, MAX(pusher_id) AS id, MIN(pushed_at) AS first_at FROM head_pushes
         WHERE repo = ? AND pr = ? AND head_sha = ? GROUP BY pusher ORDER BY first_at, pusher`,
        [repo, pr, sha],
      );
      return rows.map((r) => ({ login: r.pusher, ...(r.id !== null ? { id: Number(r.id) } : {}) }));
    },
    async forgetHeadPushes(repo, pr) {
      return (await db.run("DELETE FROM head_pushes WHERE repo = ? AND pr = ?", [repo, pr])).changes;
    },
  };
}

/** The rows of one commit pushed as a pull request's head: of one pull request, or (`pr` undefined) of any. */
function ofHead(repo: string, pr: number | undefined, sha: string): { sql: string; params: (string | number)[] } {
  return pr === undefined
    ? { sql: "repo = ? AND head_sha = ?", params: [repo, sha] }
    : { sql: "repo = ? AND pr = ? AND head_sha = ?", params: [repo, pr, sha] };
}
