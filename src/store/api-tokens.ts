import type { ApiTokenRecord, ApiTokenStore, TokenScope } from "./api-token-store.js";
import { type Db, json } from "./db/db.js";
import { now } from "./store-driver.js";

interface Row {
  id: number;
  name: string;
  scopes: string;
  repos: string;
  created_by: string;
  sso_provider: string | null;
  sso_subject: string | null;
  sso_issuer: string | null;
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
  ...(r.sso_provider !== null && r.sso_subject !== null && r.sso_issuer !== null
    ? { createdBySso: { provider: r.sso_provider, issuer: r.sso_issuer, subject: r.sso_subject } }
    : {}),
  // An SSO user's name (`sso:<provider>:<user>`) with no issuer: issued before migration 20.
  ...(r.sso_issuer === null && r.created_by.startsWith("sso:") ? { issuerUnknown: true as const } : {}),
  ...(r.sso_issuer === null && r.sso_provider !== null && r.sso_subject !== null
    ? { legacySso: { provider: r.sso_provider, subject: r.sso_subject } }
    : {}),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  ...(r.revoked_by ? { revokedBy: r.revoked_by } : {}),
  ...(r.last_used_at ? { lastUsedAt: r.last_used_at } : {}),
});

const COLUMNS =
  "id, name, scopes, repos, created_by, sso_provider, sso_subject, sso_issuer, created_at, expires_at, revoked_at, revoked_by, last_used_at";

/** The API tokens' queries, written once for both databases. */
export function apiTokenMethods(db: Db): ApiTokenStore {
  return {
    async addApiToken(t) {
      const row = await db.get<Row>(
        `INSERT INTO api_tokens (name, digest, scopes, repos, created_by, sso_provider, sso_subject, sso_issuer, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        [
          t.name,
          t.digest,
          t.scopes,
          t.repos,
          t.createdBy,
          t.createdBySso?.provider,
          t.createdBySso?.subject,
          t.createdBySso?.issuer,
          now(),
          t.expiresAt,
        ],
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
    async revokeApiTokensIssuedBy(issuer, by) {
      // A token that recorded its SSO user's issuer is theirs by that and their `sub` alone (another
      // account may share the name, theirs may have changed, and the provider's name may since be
      // another issuer's or this issuer's under another name). Older ones (refused at use anyway)
      // go by the provider's name and `sub` they recorded, or by the name they were issued under.
      const whose = issuer.sso
        ? "((sso_issuer = ? AND sso_subject = ?) OR (sso_issuer IS NULL AND ((sso_provider = ? AND sso_subject = ?) OR (sso_subject IS NULL AND created_by = ?))))"
        : "(sso_subject IS NULL AND created_by = ?)";
      const params = issuer.sso
        ? [issuer.sso.issuer, issuer.sso.subject, issuer.sso.provider, issuer.sso.subject, issuer.actor]
        : [issuer.actor];
      const rows = await db.all<{ id: number }>(
        `UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE ${whose} AND revoked_at IS NULL AND expires_at > ? RETURNING id`,
        [now(), by, ...params, now()],
      );
      return rows.map((r) => Number(r.id));
    },
  };
}
