import { mkdtemp, rm } from "node:fs/promises";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoSettings } from "../../../src/config/repo-settings.js";
import { parseServerConfig } from "../../../src/config/server-config.js";
import { baseProjectsOf } from "../../../src/config/trusted-identity.js";
import { createOidcIssuer, type OidcIssuer, subjectOf } from "../../../src/credentials/oidc-issuer.js";
import { prepareRunCredentials } from "../../../src/credentials/prepare-run-credentials.js";
import type { RunClaims } from "../../../src/model/credentials.js";
import { memorySigningKeyStore } from "../../../src/store/signing-key-store.js";

/**
 * A token's `sub` is what cloud trust policies match, with wildcards (AWS `StringLike`: `*` is any
 * run of characters, `:` included). A new project's dir and workspace are the pull request's: they
 * must not be able to spell `:project:prod:` into a subject an org-wide policy (`repo:acme/*:…`)
 * written for the named project `prod` accepts.
 */
const stringLike = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".")}$`,
  ).test(value);
const PROD_APPLY = "repo:acme/*:project:prod:workspace:default:phase:apply";

const server = parseServerConfig(`
credentials: [{ match: "acme/*:prod", apply: { oidc: { audience: sts.amazonaws.com, aws_role_arn: "arn:aws:iam::123456789012:role/prod" } } }]
new_projects:
  credentials: { apply: { oidc: { audience: sts.amazonaws.com, aws_role_arn: "arn:aws:iam::123456789012:role/sandbox" } } }
`);
const settings = repoSettings(server, "acme/infra", undefined, {}, baseProjectsOf(undefined, ["prod/main.tf"]));

/** The subject of the apply token a run of this project would get. */
async function subjectFor(dir: string, workspace: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "sluice-sub-"));
  let minted: RunClaims | undefined;
  const issuer = {
    mint: async (claims: RunClaims) => {
      minted = claims;
      return { token: "t".repeat(40), jti: "j", exp: 0, kid: "k" };
    },
  } as unknown as OidcIssuer;
  try {
    const prepared = await prepareRunCredentials({
      choice: settings.credentialsFor({ name: dir, dir, workspace }),
      phase: "apply",
      claims: { repository: "acme/infra", workspace, head_sha: "a".repeat(40), base_ref: "main", actor: "eve" },
      ttlMs: 60_000,
      issuer,
      runRoot: root,
      sandboxOn: true,
      addSecrets: () => undefined,
    });
    if (prepared.ok) await prepared.creds.dispose();
    if (!minted) throw new Error("no token minted");
    return subjectOf(minted);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe("OIDC subjects a pull request spells", () => {
  it("control: the named project's token matches its org-wide trust policy", async () => {
    expect(stringLike(PROD_APPLY, await subjectFor("prod", "default"))).toBe(true);
  });

  it("a new project whose dir spells `:project:prod` does not", async () => {
    const sub = await subjectFor("x:project:prod", "default");
    expect(sub).toContain(":new-project:");
    expect(stringLike(PROD_APPLY, sub)).toBe(false);
  });

  it("nor one whose workspace does", async () => {
    const sub = await subjectFor("x", "a:project:prod:workspace:default");
    expect(stringLike(PROD_APPLY, sub)).toBe(false);
  });

  // Claims are matched too (Vault's bound_claims, a GCP attribute condition on `project`): the
  // `project` claim is the trusted name, which a new project's dir must not be able to equal.
  it("a new project in a dir named like a known project's name does not carry that name in its `project` claim", async () => {
    const named = repoSettings(server, "acme/infra", undefined, {}, [{ name: "prod", dir: "envs/prod", workspace: "default" }]);
    const issuer = createOidcIssuer({ issuer: "https://sluice.example", keys: memorySigningKeyStore() });
    const payloadOf = async (dir: string) => {
      const root = await mkdtemp(join(tmpdir(), "sluice-claim-"));
      let token = "";
      const capture = {
        mint: async (c: RunClaims, aud: string, ttl: number) => {
          const m = await issuer.mint(c, aud, ttl);
          token = m.token;
          return m;
        },
      } as unknown as OidcIssuer;
      const prepared = await prepareRunCredentials({
        choice: named.credentialsFor({ name: "prod", dir, workspace: "default" }),
        phase: "apply",
        claims: { repository: "acme/infra", workspace: "default", head_sha: "a".repeat(40), base_ref: "main", actor: "eve" },
        ttlMs: 60_000,
        issuer: capture,
        runRoot: root,
        sandboxOn: true,
        addSecrets: () => undefined,
      });
      if (prepared.ok) await prepared.creds.dispose();
      await rm(root, { recursive: true, force: true });
      await jwtVerify(token, createLocalJWKSet(await issuer.jwks()), { issuer: "https://sluice.example" });
      return decodeJwt(token);
    };
    // Control: the known project's token says its trusted name.
    expect(await payloadOf("envs/prod")).toMatchObject({ project: "prod" });
    const forged = await payloadOf("prod");
    expect(forged.new_project).toBe(true);
    expect(forged.project).not.toBe("prod");
  });
});
