import type { Tx, TxBody } from "./db.js";

/**
 * Version 2: jobs get columns for what the queue filters and reports on (repo `owner/name`, pull
 * request or issue number, kind of work) instead of fields inside their JSON, and a `source`:
 * `webhook` (a GitHub delivery), `internal` (Sluice's own decision, e.g. a re-plan after a lock
 * release, the enrolment of a repo for drift schedules) or `schedule` (a drift schedule); and a
 * `once_key` for internal and scheduled jobs that must be queued at most once (an enrolment per
 * repo and hour, a schedule's run). Existing jobs are filled from their JSON; internal and
 * scheduled jobs were recorded under made-up delivery ids, which tell them apart and become their
 * keys.
 */
export function* jobColumns(t: Tx): TxBody<void> {
  yield* t.exec(`ALTER TABLE jobs ADD COLUMN repo TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN pr INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN source TEXT NOT NULL DEFAULT 'webhook';
ALTER TABLE jobs ADD COLUMN once_key TEXT;`);
  yield* t.run(
    `UPDATE jobs SET
       repo = (target->'repo'->>'owner') || '/' || (target->'repo'->>'name'),
       pr = CAST(target->>'pr' AS INTEGER),
       kind = spec->>'kind',
       source = CASE WHEN delivery_id LIKE 'sluice-internal-%' OR delivery_id LIKE 'sluice-drift-enroll:%' THEN 'internal'
                     WHEN delivery_id LIKE 'sluice-drift:%' THEN 'schedule'
                     ELSE 'webhook' END,
       once_key = CASE WHEN delivery_id LIKE 'sluice-drift-enroll:%' OR delivery_id LIKE 'sluice-drift:%' THEN delivery_id END`,
  );
  // Made-up deliveries of internal and scheduled jobs: a delivery is GitHub's, nothing else.
  yield* t.run("DELETE FROM deliveries WHERE id LIKE 'sluice-internal-%' OR id LIKE 'sluice-drift:%' OR id LIKE 'sluice-drift-enroll:%'");
  yield* t.exec(`CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, repo, pr);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_once ON jobs (once_key);`);
}
