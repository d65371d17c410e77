import type { ApiTokenRecord, ApiTokenStore, TokenScope } from "./api-token-store.js";
import { type Db, json } from "./db/db.js";
import { now } from "./store-driver.js";

interface Row {
  id: number;
  name: string;
  scopes: string;
  repos: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  last_used_at: string | null;
}

const toRecord = (r: Row): ApiTokenRecord => ({
  id: Number(r.id),
  name: r.name,
  scopes: json<TokenScope[]>(r.scopes),
  repos: json<string[]>(r.repos),
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  ...(r.revoked_by ? { revokedBy: r.revoked_by } : {}),
  ...(r.last_used_at ? { lastUsedAt: r.last_used_at } : {}),
});

const COLUMNS = "id, name, scopes, repos, created_by, created_at, expires_at, revoked_at, revoked_by, last_used_at";

/** The API tokens' queries, written once for both databases. */
export function apiTokenMethods(db: Db): ApiTokenStore {
  return {
    async addApiToken(t) {
      const row = await db.get<Row>(
        `INSERT INTO api_tokens (name, digest, scopes, repos, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        [t.name, t.digest, t.scopes, t.repos, t.createdBy, now(), t.expiresAt],
      );
      return toRecord(row as Row);
    },
    async usableApiToken(digest) {
      const at = now();
      const row = await db.get<Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE digest = ? AND revoked_at IS NULL AND expires_at > ?`, [
        digest,
        at,
      ]);
      if (!row) return undefined;
      await db.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [at, row.id]);
      return toRecord({ ...row, last_used_at: at });
    },
    async apiTokens() {
      return (await db.all<Row>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY id DESC`)).map(toRecord);
    },
    async revokeApiToken(id, by) {
      const r = await db.run("UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL", [now(), by, id]);
      return r.changes > 0;
    },
    async revokeApiTokensIssuedBy(createdBy, by) {
      const rows = await db.all<{ id: number }>(
        "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE created_by = ? AND revoked_at IS NULL AND expires_at > ? RETURNING id",
        [now(), by, createdBy, now()],
      );
      return rows.map((r) => Number(r.id));
    },
  };
}
