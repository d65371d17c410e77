import type { Tx, TxBody } from "./db.js";

/**
 * Version 2: jobs get columns for what the queue filters and reports on (repo `owner/name`, pull
 * request or issue number, kind of work) instead of fields inside their JSON, and a `source`:
 * `webhook` (a GitHub delivery), `internal` (Sluice's own decision, e.g. a re-plan after a lock
 * release) or `schedule` (a drift schedule). Existing jobs are filled from their JSON; internal
 * and scheduled jobs were recorded under made-up delivery ids, which tell them apart.
 */
export function* jobColumns(t: Tx): TxBody<void> {
  yield* t.exec(`ALTER TABLE jobs ADD COLUMN repo TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN pr INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN source TEXT NOT NULL DEFAULT 'webhook';`);
  yield* t.run(
    `UPDATE jobs SET
       repo = (target->'repo'->>'owner') || '/' || (target->'repo'->>'name'),
       pr = CAST(target->>'pr' AS INTEGER),
       kind = spec->>'kind',
       source = CASE WHEN delivery_id LIKE 'sluice-internal-%' THEN 'internal'
                     WHEN delivery_id LIKE 'sluice-drift:%' THEN 'schedule'
                     ELSE 'webhook' END`,
  );
  // Made-up deliveries of internal and scheduled jobs: a delivery is GitHub's, nothing else.
  yield* t.run("DELETE FROM deliveries WHERE id LIKE 'sluice-internal-%' OR id LIKE 'sluice-drift:%'");
  yield* t.exec("CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, repo, pr)");
}
