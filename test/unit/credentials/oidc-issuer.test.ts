import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { DEFAULT_KEY_POLICY, keyActions } from "../../../src/credentials/key-rotation.js";
import { createOidcIssuer, subjectOf } from "../../../src/credentials/oidc-issuer.js";
import type { RunClaims } from "../../../src/model/credentials.js";
import { memorySigningKeyStore, type SigningKeyRecord } from "../../../src/store/signing-key-store.js";

const HOUR = 3600e3;
const claims: RunClaims = {
  repository: "acme/infra",
  project: "prod",
  workspace: "default",
  phase: "apply",
  pull_request: 7,
  head_sha: "a".repeat(40),
  base_ref: "main",
  actor: "bob",
  approvers: ["carol"],
};
const key = (kid: string, signsFrom: number): SigningKeyRecord => ({
  kid,
  alg: "RS256",
  privateJwk: "{}",
  publicJwk: "{}",
  createdAt: signsFrom,
  signsFrom,
});

describe("key rotation", () => {
  it("starts a first key at once", () => {
    expect(keyActions([], 1000)).toEqual({ publish: [], remove: [], add: { signsFrom: 1000 } });
  });

  it("publishes a successor a day before it signs, then keeps the old key until its tokens expired", () => {
    const t0 = 0;
    const old = key("old", t0);
    const due = t0 + DEFAULT_KEY_POLICY.lifetimeMs - DEFAULT_KEY_POLICY.publishLeadMs;
    expect(keyActions([old], due - 1).add).toBeUndefined();
    const act = keyActions([old], due);
    expect(act.add).toEqual({ signsFrom: due + DEFAULT_KEY_POLICY.publishLeadMs });
    const next = key("next", due + DEFAULT_KEY_POLICY.publishLeadMs);
    // Published, not signing yet: verifiers learn it first.
    const before = keyActions([old, next], next.signsFrom - 1);
    expect(before.signWith?.kid).toBe("old");
    expect(before.publish.map((k) => k.kid).sort()).toEqual(["next", "old"]);
    expect(before.add).toBeUndefined();
    const after = keyActions([old, next], next.signsFrom);
    expect(after.signWith?.kid).toBe("next");
    expect(after.publish.map((k) => k.kid).sort()).toEqual(["next", "old"]);
    const expired = next.signsFrom + DEFAULT_KEY_POLICY.maxTokenMs + DEFAULT_KEY_POLICY.skewMs + 1;
    expect(keyActions([old, next], expired).remove).toEqual(["old"]);
  });

  it("two replicas that both added a key choose the same one to sign with", () => {
    const a = key("a", 5);
    const b = key("b", 5);
    expect(keyActions([a, b], 10).signWith?.kid).toBe(keyActions([b, a], 10).signWith?.kid);
  });
});

describe("the OIDC issuer", () => {
  it("mints a token that verifies against its JWKS, with the run's claims and subject", async () => {
    const issuer = createOidcIssuer({ issuer: "https://sluice.example/", keys: memorySigningKeyStore() });
    const minted = await issuer.mint(claims, "sts.amazonaws.com", 30 * 60e3);
    const { payload } = await jwtVerify(minted.token, createLocalJWKSet(await issuer.jwks()), {
      issuer: "https://sluice.example",
      audience: "sts.amazonaws.com",
    });
    expect(payload.sub).toBe("repo:acme/infra:project:prod:workspace:default:phase:apply");
    expect(payload).toMatchObject({ ...claims, jti: minted.jti });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(1800);
    expect(issuer.discovery()).toMatchObject({
      issuer: "https://sluice.example",
      jwks_uri: "https://sluice.example/.well-known/jwks.json",
    });
    const jwks = await issuer.jwks();
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
  });

  it("never mints past the longest token lifetime", async () => {
    const issuer = createOidcIssuer({ issuer: "https://s.example", keys: memorySigningKeyStore() });
    const { token } = await issuer.mint(claims, "x", 24 * HOUR);
    const { payload } = await jwtVerify(token, createLocalJWKSet(await issuer.jwks()));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(DEFAULT_KEY_POLICY.maxTokenMs / 1000);
  });

  it("a token of the old key still verifies after rotation, until it has expired", async () => {
    let now = Date.UTC(2026, 0, 1);
    const keys = memorySigningKeyStore();
    const issuer = createOidcIssuer({ issuer: "https://s.example", keys, now: () => now });
    const first = await issuer.mint(claims, "x", 10 * 60e3);
    now += DEFAULT_KEY_POLICY.lifetimeMs - DEFAULT_KEY_POLICY.publishLeadMs;
    const stillOld = await issuer.mint(claims, "x", 10 * 60e3);
    expect(decodeProtectedHeader(stillOld.token).kid).toBe(first.kid);
    expect((await keys.signingKeys()).length).toBe(2);
    now += DEFAULT_KEY_POLICY.publishLeadMs;
    const fresh = await issuer.mint(claims, "x", 10 * 60e3);
    expect(fresh.kid).not.toBe(first.kid);
    const kids = (await issuer.jwks()).keys.map((k) => k.kid);
    expect(kids).toContain(first.kid);
    now += DEFAULT_KEY_POLICY.maxTokenMs + DEFAULT_KEY_POLICY.skewMs + 1;
    await issuer.mint(claims, "x", 60e3);
    expect((await issuer.jwks()).keys.map((k) => k.kid)).toEqual([fresh.kid]);
  });

  it("a token signed by another issuer's key does not verify", async () => {
    const ours = createOidcIssuer({ issuer: "https://s.example", keys: memorySigningKeyStore() });
    const theirs = createOidcIssuer({ issuer: "https://s.example", keys: memorySigningKeyStore() });
    await ours.mint(claims, "x", 60e3);
    const forged = await theirs.mint(claims, "x", 60e3);
    await expect(jwtVerify(forged.token, createLocalJWKSet(await ours.jwks()))).rejects.toThrow();
  });

  it("builds the subject from the run", () => {
    expect(subjectOf({ ...claims, phase: "plan" })).toBe("repo:acme/infra:project:prod:workspace:default:phase:plan");
  });
});
