import type { HeadPushStore } from "../model/head-push.js";
import type { Db } from "./db/db.js";
import { now } from "./store-driver.js";

/** The heads' pushers' queries, written once for both databases. */
export function headPushMethods(db: Db): HeadPushStore {
  return {
    async recordHeadPush(repo, pr, sha, pusher) {
      await db.run(
        "INSERT INTO head_pushes (repo, pr, head_sha, pusher, pushed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (repo, pr, head_sha, pusher) DO NOTHING",
        [repo, pr, sha, pusher, now()],
      );
    },
    async headPushers(repo, pr, sha) {
      const rows = await db.all<{ pusher: string }>(
        "SELECT pusher FROM head_pushes WHERE repo = ? AND pr = ? AND head_sha = ? ORDER BY pushed_at, pusher",
        [repo, pr, sha],
      );
      return rows.map((r) => r.pusher);
    },
  };
}
