/**
 * The OIDC issuer's signing keys, kept in the store so that every replica (and both threads of
 * one) signs with the same keys and serves the same key set. The private key is a JWK as text.
 */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms from which it signs: published before then, so that verifiers already know it. */
  signsFrom: number;
}

export interface SigningKeyStore {
  /** Every key kept, in no particular order. */
  signingKeys(): Promise<SigningKeyRecord[]>;
  /** Adds a key; a kid already there is left as it is. */
  addSigningKey(key: SigningKeyRecord): Promise<void>;
  /** Drops a key no token it signed can still be valid for. */
  removeSigningKey(kid: string): Promise<void>;
}

/** For tests and single-process tools: the keys live as long as the object. */
export function memorySigningKeyStore(): SigningKeyStore {
  const keys = new Map<string, SigningKeyRecord>();
  return {
    async signingKeys() {
      return [...keys.values()].map((k) => ({ ...k }));
    },
    async addSigningKey(key) {
      if (!keys.has(key.kid)) keys.set(key.kid, { ...key });
    },
    async removeSigningKey(kid) {
      keys.delete(kid);
    },
  };
}
