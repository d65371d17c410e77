import type { Tx, TxBody } from "./db.js";

/** Version 3: the OIDC issuer's signing keys (times as epoch milliseconds, the key rotation's unit). */
export function* signingKeysTable(t: Tx): TxBody<void> {
  const big = t.dialect.types.bigint;
  yield* t.exec(`CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at ${big} NOT NULL,
  signs_from ${big} NOT NULL
);`);
}
