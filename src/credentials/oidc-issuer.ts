import { randomUUID } from "node:crypto";
import type { JWK } from "jose";
import type { RunClaims } from "../model/credentials.js";
import type { SigningKeyStore } from "../store/signing-key-store.js";
import { DEFAULT_KEY_POLICY, type KeyPolicy, keyActions } from "./key-rotation.js";

/**
 * Sluice as an OpenID Connect issuer for its own runs: cloud providers trust it the way they trust
 * a CI system's tokens, and exchange a token for short-lived credentials of one role. RS256: the
 * one algorithm AWS, Google Cloud and Azure all accept.
 */
export const SIGNING_ALG = "RS256";
export const DISCOVERY_PATH = "/.well-known/openid-configuration";
export const JWKS_PATH = "/.well-known/jwks.json";

export interface MintedToken {
  token: string;
  jti: string;
  /** Epoch seconds. */
  exp: number;
  kid: string;
}

export interface OidcIssuer {
  readonly issuer: string;
  mint(claims: RunClaims, audience: string, ttlMs: number): Promise<MintedToken>;
  /** The public keys verifiers fetch (JWKS). */
  jwks(): Promise<{ keys: JWK[] }>;
  discovery(): Record<string, unknown>;
}

/**
 * A part of the subject that cannot spell a `:`: a new project's dir and workspace are the pull
 * request's, and trust policies match with wildcards (`repo:acme/*:project:prod:…`), so a dir
 * `x:project:prod` must not read as the named project. `%` too, so that the encoding is one-to-one.
 */
const subjectPart = (s: string) => s.replaceAll("%", "%25").replaceAll(":", "%3A");

/**
 * `repo:OWNER/REPO:project:NAME:workspace:WS:phase:PHASE`: what trust policies match on. A new
 * project (not on the base branch) is `:new-project:DIR:`, which no named project's policy accepts.
 */
export function subjectOf(c: Pick<RunClaims, "repository" | "project" | "workspace" | "phase" | "new_project">): string {
  const kind = c.new_project ? "new-project" : "project";
  return `repo:${c.repository}:${kind}:${subjectPart(c.project)}:workspace:${subjectPart(c.workspace)}:phase:${c.phase}`;
}

/** The issuer URL: SLUICE_PUBLIC_URL without a trailing slash. */
export function issuerUrl(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, "");
}

/**
 * jose is loaded when a key is made or a token signed: most servers never issue one, and both
 * threads would otherwise hold its ~180 modules from the start.
 */
const jose = () => import("jose");

async function newKey(signsFrom: number, now: number) {
  const { calculateJwkThumbprint, exportJWK, generateKeyPair } = await jose();
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const priv = await exportJWK(privateKey);
  return {
    kid,
    alg: SIGNING_ALG,
    privateJwk: JSON.stringify({ ...priv, kid, alg: SIGNING_ALG }),
    publicJwk: JSON.stringify({ ...pub, kid, alg: SIGNING_ALG, use: "sig" }),
    createdAt: now,
    signsFrom,
  };
}

export function createOidcIssuer(opts: { issuer: string; keys: SigningKeyStore; now?: () => number; policy?: KeyPolicy }): OidcIssuer {
  const issuer = issuerUrl(opts.issuer);
  const now = opts.now ?? Date.now;
  const policy = opts.policy ?? DEFAULT_KEY_POLICY;

  /** Applies the rotation's decisions; returns the key to sign with. */
  async function signingKey() {
    let t = now();
    let act = keyActions(await opts.keys.signingKeys(), t, policy);
    for (const kid of act.remove) await opts.keys.removeSigningKey(kid);
    if (act.add) {
      await opts.keys.addSigningKey(await newKey(act.add.signsFrom, t));
      // Read back: another replica may have added one at the same moment, and all choose alike.
      t = now();
      act = keyActions(await opts.keys.signingKeys(), t, policy);
    }
    if (!act.signWith) throw new Error("no signing key could be made");
    return act.signWith;
  }

  return {
    issuer,
    async mint(claims, audience, ttlMs) {
      const key = await signingKey();
      const iat = Math.floor(now() / 1000);
      const exp = iat + Math.max(1, Math.floor(Math.min(ttlMs, policy.maxTokenMs) / 1000));
      const jti = randomUUID();
      const { importJWK, SignJWT } = await jose();
      const privateKey = await importJWK(JSON.parse(key.privateJwk) as JWK, SIGNING_ALG);
      // The `project` claim is the trusted name, which policies bind (Vault's bound_claims): a new
      // project's is its dir, which a PR chooses and may spell like a known name (`prod`), so it
      // reads `new-project:DIR`, which no project name can be (names have no `:`).
      const project = claims.new_project ? `new-project:${claims.project}` : claims.project;
      const token = await new SignJWT({ ...claims, project, jti })
        .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subjectOf(claims))
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(exp)
        .sign(privateKey);
      return { token, jti, exp, kid: key.kid };
    },
    async jwks() {
      const act = keyActions(await opts.keys.signingKeys(), now(), policy);
      return { keys: act.publish.map((k) => JSON.parse(k.publicJwk) as JWK) };
    },
    discovery() {
      return {
        issuer,
        jwks_uri: `${issuer}${JWKS_PATH}`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: [SIGNING_ALG],
        scopes_supported: ["openid"],
        claims_supported: [
          "iss",
          "aud",
          "sub",
          "repository",
          "project",
          "workspace",
          "phase",
          "new_project",
          "pull_request",
          "drift_issue",
          "head_sha",
          "base_ref",
          "actor",
          "approvers",
          "jti",
          "iat",
          "exp",
        ],
      };
    },
  };
}
