import type { SigningKeyRecord } from "../store/signing-key-store.js";

/**
 * When signing keys come and go. A key is published (in the JWKS) `publishLeadMs` before it signs,
 * so verifiers that cache the key set know it before they see a token of it; it signs until a
 * newer key starts; it stays published until every token it signed has expired.
 */
export interface KeyPolicy {
  /** How long one key signs before its successor is due. */
  lifetimeMs: number;
  publishLeadMs: number;
  /** The longest lifetime of a token Sluice mints (a token is never valid past this after its key stopped). */
  maxTokenMs: number;
  /** Clock difference verifiers may allow. */
  skewMs: number;
}

export const DEFAULT_KEY_POLICY: KeyPolicy = {
  lifetimeMs: 7 * 24 * 3600e3,
  publishLeadMs: 24 * 3600e3,
  maxTokenMs: 3600e3,
  skewMs: 5 * 60e3,
};

export interface KeyActions {
  /** The key that signs now; absent: none yet (`add` starts one at once). */
  signWith?: SigningKeyRecord;
  /** Keys the JWKS lists: the signing one, those not started yet, and those whose tokens may still be valid. */
  publish: SigningKeyRecord[];
  /** A key to create, signing from this instant. */
  add?: { signsFrom: number };
  /** Keys to drop. */
  remove: string[];
}

const newestFirst = (a: SigningKeyRecord, b: SigningKeyRecord) => b.signsFrom - a.signsFrom || (a.kid < b.kid ? -1 : 1);

/** What to do with the stored keys at `now` (pure; every replica decides the same from the same rows). */
export function keyActions(keys: readonly SigningKeyRecord[], now: number, policy: KeyPolicy = DEFAULT_KEY_POLICY): KeyActions {
  const sorted = [...keys].sort(newestFirst);
  const started = sorted.filter((k) => k.signsFrom <= now);
  // A key stopped signing when the next one started; its last token expired maxTokenMs after that.
  const remove = started
    .filter((_k, i) => i > 0 && (started[i - 1] as SigningKeyRecord).signsFrom + policy.maxTokenMs + policy.skewMs < now)
    .map((k) => k.kid);
  const publish = sorted.filter((k) => !remove.includes(k.kid));
  const signWith = started[0];
  if (!signWith) {
    // The first key (or one after a long outage): no verifier can hold tokens of a key that never signed.
    return { publish, remove, add: { signsFrom: now } };
  }
  const pending = sorted.some((k) => k.signsFrom > now);
  const due = now >= signWith.signsFrom + policy.lifetimeMs - policy.publishLeadMs;
  return { signWith, publish, remove, add: !pending && due ? { signsFrom: now + policy.publishLeadMs } : undefined };
}
