import type { Tx, TxBody } from "./db.js";

/**
 * Version 5: tokens of the API that an admin issued. Only a digest of each token is kept (the
 * token is shown once, when issued); revoking sets `revoked_at`, the row stays for the record.
 */
export function* apiTokensTable(t: Tx): TxBody<void> {
  const d = t.dialect.types;
  yield* t.exec(`CREATE TABLE IF NOT EXISTS api_tokens (
  id ${d.id},
  name TEXT NOT NULL,
  digest TEXT NOT NULL UNIQUE,
  scopes ${d.json} NOT NULL,
  repos ${d.json} NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT,
  last_used_at TEXT
);`);
}
