import type pg from "pg";
import type { SigningKeyRecord, SigningKeyStore } from "./signing-key-store.js";

export const POSTGRES_SIGNING_KEYS_SCHEMA = `
CREATE TABLE IF NOT EXISTS signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  private_jwk text NOT NULL,
  public_jwk text NOT NULL,
  created_at bigint NOT NULL,
  signs_from bigint NOT NULL
);
`;

export function postgresSigningKeyMethods(pool: pg.Pool): SigningKeyStore {
  return {
    async signingKeys() {
      const { rows } = await pool.query<{
        kid: string;
        alg: string;
        private_jwk: string;
        public_jwk: string;
        created_at: string;
        signs_from: string;
      }>("SELECT kid, alg, private_jwk, public_jwk, created_at, signs_from FROM signing_keys");
      return rows.map(
        (r): SigningKeyRecord => ({
          kid: r.kid,
          alg: r.alg,
          privateJwk: r.private_jwk,
          publicJwk: r.public_jwk,
          createdAt: Number(r.created_at),
          signsFrom: Number(r.signs_from),
        }),
      );
    },
    async addSigningKey(k) {
      await pool.query(
        `INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, signs_from) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (kid) DO NOTHING`,
        [k.kid, k.alg, k.privateJwk, k.publicJwk, k.createdAt, k.signsFrom],
      );
    },
    async removeSigningKey(kid) {
      await pool.query("DELETE FROM signing_keys WHERE kid = $1", [kid]);
    },
  };
}
