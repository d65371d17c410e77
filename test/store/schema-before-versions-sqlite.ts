/** The embedded store's tables as the last release before schema versions made them (sqlite_master, verbatim). */
export const SQLITE_SCHEMA_BEFORE_VERSIONS = `
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  job_id INTEGER,
  received_at TEXT NOT NULL
);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL,
  target TEXT NOT NULL,
  spec TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  comment_ids TEXT NOT NULL DEFAULT '[]',
  check_run_id INTEGER,
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX jobs_status ON jobs(status, id);
CREATE TABLE plans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
  summary TEXT NOT NULL,
  status TEXT NOT NULL,
  job_id INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX plans_pending_project ON plans(repo, pr, dir, workspace, project) WHERE status = 'pending';
CREATE TABLE plan_files (
  plan_id INTEGER PRIMARY KEY REFERENCES plans(id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  bytes BLOB,
  mac TEXT
);
CREATE TABLE locks (
  repo TEXT NOT NULL,
  dir TEXT NOT NULL,
  workspace TEXT NOT NULL,
  project TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  pr INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (repo, dir, workspace, scope)
);
CREATE TABLE lock_waiters (
  repo TEXT NOT NULL,
  dir TEXT NOT NULL,
  workspace TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  pr INTEGER NOT NULL,
  target TEXT NOT NULL,
  PRIMARY KEY (repo, dir, workspace, scope, pr)
);
CREATE TABLE pr_operations (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  op TEXT NOT NULL,
  job_id INTEGER NOT NULL,
  PRIMARY KEY (repo, pr, op)
);
CREATE TABLE applies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id INTEGER NOT NULL,
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  project TEXT NOT NULL,
  plan_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE TABLE drift_issues (
  repo TEXT NOT NULL,
  number INTEGER NOT NULL,
  project TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  comment_ids TEXT NOT NULL DEFAULT '[]',
  plan_id INTEGER,
  plan_hash TEXT,
  head_sha TEXT,
  open INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (repo, number)
);
CREATE UNIQUE INDEX drift_issues_open ON drift_issues (repo, project) WHERE open = 1;
CREATE TABLE drift_schedules (
  repo TEXT NOT NULL,
  cron TEXT NOT NULL,
  projects TEXT NOT NULL,
  target TEXT NOT NULL,
  next_run_at INTEGER NOT NULL,
  PRIMARY KEY (repo, cron)
);
CREATE TABLE drift_pauses (
  repo TEXT NOT NULL,
  project TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (repo, project)
);
CREATE TABLE live_applies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  repo TEXT NOT NULL,
  project TEXT NOT NULL,
  dir TEXT NOT NULL,
  workspace TEXT NOT NULL,
  commit_sha TEXT NOT NULL,
  source TEXT NOT NULL,
  number INTEGER NOT NULL,
  actor TEXT NOT NULL,
  approvers TEXT NOT NULL,
  plan_hash TEXT NOT NULL,
  outcome TEXT NOT NULL,
  deployment_id INTEGER,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX live_applies_project ON live_applies (repo, project, id);
CREATE TABLE drift_checks (
  repo TEXT NOT NULL,
  project TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  issue INTEGER,
  issue_url TEXT,
  checked_at TEXT NOT NULL,
  PRIMARY KEY (repo, project)
);
CREATE TABLE log_streams (
  job_id INTEGER NOT NULL,
  project TEXT NOT NULL,
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  kind TEXT NOT NULL,
  bytes INTEGER NOT NULL DEFAULT 0,
  truncated INTEGER NOT NULL DEFAULT 0,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (job_id, project)
);
CREATE INDEX log_streams_project ON log_streams(kind, repo, project, job_id);
CREATE TABLE job_logs (
  job_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  project TEXT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
CREATE INDEX applies_project ON applies(repo, project, id);
CREATE INDEX plans_job ON plans(job_id);
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  repo TEXT,
  project TEXT,
  pr INTEGER,
  detail TEXT NOT NULL
);
CREATE TABLE flags (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE console_sessions (
  key TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE audit_sinks (
  sink TEXT PRIMARY KEY,
  delivered_up_to INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE audit_deliveries (
  sink TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  status_code INTEGER,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  redeliver INTEGER NOT NULL DEFAULT 0,
  first_attempt_at TEXT NOT NULL,
  last_attempt_at TEXT NOT NULL,
  PRIMARY KEY (sink, event_id)
);
CREATE INDEX audit_deliveries_latest ON audit_deliveries (last_attempt_at);
CREATE TABLE policy_checks (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  plan_hash TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (repo, pr, plan_hash)
);
CREATE TABLE policy_approvals (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  plan_hash TEXT NOT NULL,
  policy_set TEXT NOT NULL,
  user TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (repo, pr, plan_hash, policy_set, user)
);
CREATE TABLE job_results (
  job_id INTEGER PRIMARY KEY,
  result TEXT,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  posted_at TEXT
);
`;
