import type { HealRefusal } from "../model/heal-refusal.js";
import { type Db, json } from "./db/db.js";

/**
 * The pull requests GitHub refused to show to a heal, as rows of the `flags` table (a name and a
 * JSON value): one per such pull request, as few as the repositories Sluice lost with locks held.
 */
export interface HealRefusalStore {
  healRefusal(repo: string, pr: number): Promise<HealRefusal | undefined>;
  /** Keeps the refusal, or (undefined) forgets it: GitHub showed the pull request again. */
  saveHealRefusal(repo: string, pr: number, refusal: HealRefusal | undefined): Promise<void>;
}

// JSON keeps the parts apart whatever characters a repository name holds.
const flagName = (repo: string, pr: number) => `heal-refused:${JSON.stringify([repo, pr])}`;

/** The queries, written once for both databases. */
export function healRefusalMethods(db: Db): HealRefusalStore {
  return {
    async healRefusal(repo, pr) {
      const row = await db.get<{ value: string }>("SELECT value FROM flags WHERE name = ?", [flagName(repo, pr)]);
      return row ? json<HealRefusal>(row.value) : undefined;
    },
    async saveHealRefusal(repo, pr, refusal) {
      if (!refusal) {
        await db.run("DELETE FROM flags WHERE name = ?", [flagName(repo, pr)]);
        return;
      }
      await db.run("INSERT INTO flags (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [
        flagName(repo, pr),
        refusal,
      ]);
    },
  };
}
