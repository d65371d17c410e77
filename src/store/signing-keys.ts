import type { Db } from "./db/db.js";
import type { SigningKeyRecord, SigningKeyStore } from "./signing-key-store.js";

interface Row {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number | string;
  signs_from: number | string;
}

/** The signing keys' queries, written once for both databases. */
export function signingKeyMethods(db: Db): SigningKeyStore {
  return {
    async signingKeys() {
      const rows = await db.all<Row>("SELECT kid, alg, private_jwk, public_jwk, created_at, signs_from FROM signing_keys");
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
      await db.run(
        `INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, signs_from) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (kid) DO NOTHING`,
        [k.kid, k.alg, k.privateJwk, k.publicJwk, k.createdAt, k.signsFrom],
      );
    },
    async removeSigningKey(kid) {
      await db.run("DELETE FROM signing_keys WHERE kid = ?", [kid]);
    },
  };
}
