import type { Dialect } from "./db.js";

/** The lock tables: keyed by scope ("" the whole dir + workspace, or one named project there). */
export function lockTables(d: Dialect, locks: string, waiters: string): string {
  return `CREATE TABLE ${locks} (
  repo TEXT NOT NULL,
  dir TEXT NOT NULL,
  workspace TEXT NOT NULL,
  project TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  pr INTEGER NOT NULL,
  created_at ${d.types.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (repo, dir, workspace, scope)
);
CREATE TABLE ${waiters} (
  repo TEXT NOT NULL,
  dir TEXT NOT NULL,
  workspace TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  pr INTEGER NOT NULL,
  target ${d.types.json} NOT NULL,
  PRIMARY KEY (repo, dir, workspace, scope, pr)
);`;
}

/** Policy approvals in order of arrival (`id`), one per plan, set and login. */
export function policyApprovalsTable(d: Dialect, name: string): string {
  return `CREATE TABLE ${name} (
  id ${d.types.id},
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  plan_hash TEXT NOT NULL,
  policy_set TEXT NOT NULL,
  login TEXT NOT NULL,
  created_at ${d.types.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (repo, pr, plan_hash, policy_set, login)
);`;
}

/**
 * Every table the store had before schema versions, as both adapters should have made them: the
 * same columns on both databases (the replica `owner` columns too: the embedded store records
 * its process), types differing only where the databases do. Queries write every timestamp
 * themselves (ISO text); the defaults only serve statements of earlier releases.
 */
export function baselineTables(d: Dialect): string {
  const t = d.types;
  const ifNew = (ddl: string) => ddl.replaceAll("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ");
  return `
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  job_id INTEGER,
  received_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS jobs (
  id ${t.id},
  delivery_id TEXT NOT NULL,
  target ${t.json} NOT NULL,
  spec ${t.json} NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  comment_ids ${t.json} NOT NULL DEFAULT '[]',
  check_run_id ${t.bigint},
  error TEXT,
  owner TEXT,
  created_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS plans (
  id ${t.id},
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  project TEXT NOT NULL,
  dir TEXT NOT NULL,
  workspace TEXT NOT NULL,
  runner TEXT NOT NULL,
  head_sha TEXT NOT NULL,
  base_sha TEXT NOT NULL,
  plan_path TEXT NOT NULL,
  plan_hash TEXT NOT NULL,
  summary ${t.json} NOT NULL,
  status TEXT NOT NULL,
  job_id INTEGER NOT NULL,
  created_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS plan_files (
  plan_id INTEGER PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  size ${t.bigint} NOT NULL,
  bytes ${t.blob},
  mac TEXT
);
${ifNew(lockTables(d, "locks", "lock_waiters"))}
CREATE TABLE IF NOT EXISTS pr_operations (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  op TEXT NOT NULL,
  job_id INTEGER NOT NULL,
  PRIMARY KEY (repo, pr, op)
);
CREATE TABLE IF NOT EXISTS applies (
  id ${t.id},
  job_id INTEGER NOT NULL,
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  project TEXT NOT NULL,
  plan_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  owner TEXT,
  started_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  finished_at ${t.time}
);
CREATE TABLE IF NOT EXISTS drift_issues (
  repo TEXT NOT NULL,
  number INTEGER NOT NULL,
  project TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  comment_ids ${t.json} NOT NULL DEFAULT '[]',
  plan_id INTEGER,
  plan_hash TEXT,
  head_sha TEXT,
  open ${t.bool} NOT NULL DEFAULT TRUE,
  PRIMARY KEY (repo, number)
);
CREATE TABLE IF NOT EXISTS drift_schedules (
  repo TEXT NOT NULL,
  cron TEXT NOT NULL,
  projects ${t.json} NOT NULL,
  target ${t.json} NOT NULL,
  next_run_at ${t.bigint} NOT NULL,
  PRIMARY KEY (repo, cron)
);
CREATE TABLE IF NOT EXISTS drift_pauses (
  repo TEXT NOT NULL,
  project TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (repo, project)
);
CREATE TABLE IF NOT EXISTS live_applies (
  id ${t.id},
  repo TEXT NOT NULL,
  project TEXT NOT NULL,
  dir TEXT NOT NULL,
  workspace TEXT NOT NULL,
  commit_sha TEXT NOT NULL,
  source TEXT NOT NULL,
  number INTEGER NOT NULL,
  actor TEXT NOT NULL,
  approvers ${t.json} NOT NULL,
  plan_hash TEXT NOT NULL,
  outcome TEXT NOT NULL,
  deployment_id ${t.bigint},
  owner TEXT,
  started_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  finished_at ${t.time}
);
CREATE TABLE IF NOT EXISTS drift_checks (
  repo TEXT NOT NULL,
  project TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  issue INTEGER,
  issue_url TEXT,
  checked_at ${t.time} NOT NULL,
  PRIMARY KEY (repo, project)
);
CREATE TABLE IF NOT EXISTS log_streams (
  job_id INTEGER NOT NULL,
  project TEXT NOT NULL,
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  kind TEXT NOT NULL,
  bytes ${t.bigint} NOT NULL DEFAULT 0,
  truncated ${t.bool} NOT NULL DEFAULT FALSE,
  started_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (job_id, project)
);
CREATE TABLE IF NOT EXISTS job_logs (
  job_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  project TEXT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS audit_events (
  id ${t.id},
  at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  repo TEXT,
  project TEXT,
  pr INTEGER,
  detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS flags (
  name TEXT PRIMARY KEY,
  value ${t.json} NOT NULL
);
CREATE TABLE IF NOT EXISTS console_sessions (
  key TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  expires_at ${t.time} NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_sinks (
  sink TEXT PRIMARY KEY,
  delivered_up_to INTEGER NOT NULL,
  updated_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS audit_deliveries (
  sink TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  status_code INTEGER,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  redeliver ${t.bool} NOT NULL DEFAULT FALSE,
  first_attempt_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_attempt_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (sink, event_id)
);
CREATE TABLE IF NOT EXISTS policy_checks (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  plan_hash TEXT NOT NULL,
  outcome ${t.json} NOT NULL,
  created_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (repo, pr, plan_hash)
);
${ifNew(policyApprovalsTable(d, "policy_approvals"))}
CREATE TABLE IF NOT EXISTS job_results (
  job_id INTEGER PRIMARY KEY,
  result ${t.json},
  status TEXT NOT NULL,
  owner TEXT,
  created_at ${t.time} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  posted_at ${t.time}
);
`;
}

/** The indexes, made once the tables have every column (an older table may just have gained one). */
export const BASELINE_INDEXES = `
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, id);
CREATE UNIQUE INDEX IF NOT EXISTS plans_pending_project ON plans (repo, pr, dir, workspace, project) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS plans_job ON plans (job_id);
CREATE INDEX IF NOT EXISTS locks_pr ON locks (repo, pr);
CREATE INDEX IF NOT EXISTS pr_operations_job ON pr_operations (job_id);
CREATE INDEX IF NOT EXISTS applies_started ON applies (id) WHERE status = 'started';
CREATE INDEX IF NOT EXISTS applies_project ON applies (repo, project, id);
CREATE UNIQUE INDEX IF NOT EXISTS drift_issues_open ON drift_issues (repo, project) WHERE open;
CREATE INDEX IF NOT EXISTS live_applies_project ON live_applies (repo, project, id);
CREATE INDEX IF NOT EXISTS log_streams_project ON log_streams (kind, repo, project, job_id);
CREATE INDEX IF NOT EXISTS audit_deliveries_latest ON audit_deliveries (last_attempt_at);
CREATE INDEX IF NOT EXISTS job_results_unposted ON job_results (job_id) WHERE status = 'unposted';
`;
