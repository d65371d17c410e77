import type Database from "better-sqlite3";
import type { SigningKeyRecord, SigningKeyStore } from "./signing-key-store.js";

const SQLITE_SIGNING_KEYS_SCHEMA = `
CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  signs_from INTEGER NOT NULL
);
`;

interface Row {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  signs_from: number;
}

export function sqliteSigningKeyMethods(db: Database.Database): SigningKeyStore {
  db.exec(SQLITE_SIGNING_KEYS_SCHEMA);
  return {
    async signingKeys() {
      const rows = db.prepare("SELECT * FROM signing_keys").all() as Row[];
      return rows.map(
        (r): SigningKeyRecord => ({
          kid: r.kid,
          alg: r.alg,
          privateJwk: r.private_jwk,
          publicJwk: r.public_jwk,
          createdAt: r.created_at,
          signsFrom: r.signs_from,
        }),
      );
    },
    async addSigningKey(k) {
      db.prepare(
        `INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, signs_from) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (kid) DO NOTHING`,
      ).run(k.kid, k.alg, k.privateJwk, k.publicJwk, k.createdAt, k.signsFrom);
    },
    async removeSigningKey(kid) {
      db.prepare("DELETE FROM signing_keys WHERE kid = ?").run(kid);
    },
  };
}
