import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testDir } from "../../support/temp-dir.js";
import { createLocalJWKSet, jwtVerify } from "jose";
import { NO_PLAN_RULES } from "../../fakes/no-plan-rules.js";
import { describe, expect, it } from "vitest";
import { credentialedExec } from "../../../runners/credentialed-exec.js";
import type { ExecOptions } from "../../../runners/exec.js";
import type { Exec } from "../../../runners/runner.js";
import { parseServerConfig } from "../../../src/config/server-config.js";
import { credentialRuleFor } from "../../../src/config/credential-rule-for.js";
import { createOidcIssuer } from "../../../src/credentials/oidc-issuer.js";
import { oidcProviderSetup, sessionName } from "../../../src/credentials/oidc-provider-setup.js";
import { type CredentialRequest, prepareRunCredentials } from "../../../src/credentials/prepare-run-credentials.js";
import { decide, type GatePass } from "../../../src/gate/decide.js";
import { applyThroughGate } from "../../../src/gate/through-gate.js";
import type { RunCredentials } from "../../../src/model/credentials.js";
import { memorySigningKeyStore } from "../../../src/store/signing-key-store.js";

const dir = testDir("sluice-creds-");
const secretFile = join(dir, "apply-secret");
writeFileSync(secretFile, "[default]\naws_secret_access_key = file-secret-value\n");
const config = parseServerConfig(`
credentials:
  - match: "acme/infra"
    plan:
      env: { PLAN_KEY: "env:SERVER_PLAN_KEY" }
      oidc: { audience: sts.amazonaws.com, aws_role_arn: "arn:aws:iam::123456789012:role/plan" }
    apply:
      env: { APPLY_KEY: "env:SERVER_APPLY_KEY", APPLY_FILE: "file:${secretFile}" }
      pass_env: [AWS_REGION]
      files: { "/home/tool/.aws/config": "${secretFile}" }
      oidc: { audience: sts.amazonaws.com, aws_role_arn: "arn:aws:iam::123456789012:role/apply", token_path: /var/run/token }
`);
const serverEnv = { SERVER_PLAN_KEY: "plan-value-1", SERVER_APPLY_KEY: "apply-value-2", AWS_REGION: "eu-west-1" };
const issuer = createOidcIssuer({ issuer: "https://sluice.example", keys: memorySigningKeyStore() });

function request(phase: "plan" | "apply", over: Partial<CredentialRequest> = {}) {
  const added: string[] = [];
  const req: CredentialRequest = {
    choice: credentialRuleFor(config.credentials, { kind: "known", repo: "acme/infra", name: "net", dir: "net", workspace: "default" }),
    phase,
    claims: { repository: "acme/infra", workspace: "default", pull_request: 7, head_sha: "a".repeat(40), base_ref: "main", actor: "bob" },
    ttlMs: 600e3,
    issuer,
    runRoot: join(dir, "runs"),
    sandboxOn: true,
    addSecrets: (v) => added.push(...v),
    env: serverEnv,
    ...over,
  };
  return { req, added };
}

async function prepared(phase: "plan" | "apply", over: Partial<CredentialRequest> = {}) {
  const { req, added } = request(phase, over);
  const p = await prepareRunCredentials(req);
  if (!p.ok) throw new Error(p.reason);
  return { creds: p.creds, added };
}

describe("a run's credentials", () => {
  it("a plan gets the plan set only: no apply value, role or file", async () => {
    const { creds, added } = await prepared("plan");
    expect(creds.env.PLAN_KEY).toBe("plan-value-1");
    expect(creds.env.AWS_ROLE_ARN).toBe("arn:aws:iam::123456789012:role/plan");
    const all = JSON.stringify(creds);
    for (const v of ["apply-value-2", "file-secret-value", "role/apply", "eu-west-1", "/var/run/token"]) expect(all).not.toContain(v);
    expect(added).toContain("plan-value-1");
    expect(creds.identity).toBe(
      "`acme/infra` (plan): OIDC (audience sts.amazonaws.com): AWS role arn:aws:iam::123456789012:role/plan; env PLAN_KEY",
    );
    await creds.dispose();
  });

  it("an apply's token is in a file of its own run, verifies as an apply token, is redacted, and is gone after", async () => {
    const { creds, added } = await prepared("apply");
    const tokenFile = creds.env.AWS_WEB_IDENTITY_TOKEN_FILE as string;
    const token = readFileSync(tokenFile, "utf8");
    expect(added).toContain(token);
    // The mounted file's credential alone too, not only the file whole.
    expect(added).toContain("file-secret-value");
    expect(added).toEqual(expect.arrayContaining(["apply-value-2", "file-secret-value", "eu-west-1"]));
    const { payload } = await jwtVerify(token, createLocalJWKSet(await issuer.jwks()), { audience: "sts.amazonaws.com" });
    expect(payload.sub).toBe("repo:acme/infra:project:net:workspace:default:phase:apply");
    expect(creds.mounts).toEqual(
      expect.arrayContaining([
        { source: secretFile, target: "/home/tool/.aws/config" },
        { source: tokenFile, target: "/var/run/token" },
      ]),
    );
    expect(creds.identity).not.toContain("apply-value-2");
    await creds.dispose();
    expect(existsSync(tokenFile)).toBe(false);
  });

  it("a value missing on the server refuses the run, naming the key", async () => {
    const { req } = request("plan", { env: {} });
    expect(await prepareRunCredentials(req)).toEqual({
      ok: false,
      reason: "credentials `acme/infra` (plan): plan.env.PLAN_KEY: env:SERVER_PLAN_KEY is not set or not readable on this server",
    });
  });

  it("oidc without SLUICE_PUBLIC_URL, and mounts elsewhere without the sandbox, are refused", async () => {
    const noIssuer = await prepareRunCredentials(request("plan", { issuer: undefined }).req);
    expect(!noIssuer.ok && noIssuer.reason).toContain("SLUICE_PUBLIC_URL");
    const off = await prepareRunCredentials(request("apply", { sandboxOn: false }).req);
    expect(!off.ok && off.reason).toContain("only be mounted by the sandbox");
  });

  it("a project with no rule gets nothing, and the comment says why", async () => {
    const { creds } = await prepared("apply", {
      choice: credentialRuleFor(config.credentials, { kind: "known", repo: "other/repo", name: "x", dir: "x", workspace: "default" }),
    });
    expect(creds).toMatchObject({ env: {}, mounts: [] });
    expect(creds.identity).toBe("none (no `credentials` rule of this server matches the project)");
  });
});

describe("provider conventions", () => {
  it("Google Cloud: an external_account file reading the token file, with impersonation", () => {
    const s = oidcProviderSetup(
      {
        audience: "x",
        gcp_provider: "projects/123/locations/global/workloadIdentityPools/sluice/providers/sluice",
        gcp_service_account: "tf@p.iam.gserviceaccount.com",
      },
      "/run/x",
      "/run/x/token",
      "s",
    );
    expect(s.env.GOOGLE_APPLICATION_CREDENTIALS).toBe("/run/x/gcp-credentials.json");
    expect(JSON.parse(s.files["gcp-credentials.json"] as string)).toMatchObject({
      type: "external_account",
      audience: "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/sluice/providers/sluice",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      service_account_impersonation_url:
        "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/tf@p.iam.gserviceaccount.com:generateAccessToken",
      credential_source: { file: "/run/x/token" },
    });
  });

  it("Azure: OIDC through the token file", () => {
    const id = "11111111-2222-3333-4444-555555555555";
    expect(
      oidcProviderSetup({ audience: "api://AzureADTokenExchange", azure_client_id: id, azure_tenant_id: id }, "/r", "/r/token", "s").env,
    ).toEqual({
      ARM_USE_OIDC: "true",
      ARM_OIDC_TOKEN_FILE_PATH: "/r/token",
      ARM_CLIENT_ID: id,
      ARM_TENANT_ID: id,
    });
  });

  it("AWS session names keep to AWS's characters and length", () => {
    expect(sessionName(`sluice-${"x".repeat(80)}/y`)).toHaveLength(64);
    expect(sessionName("a b")).toBe("a-b");
  });
});

describe("apply credentials are made from the gate's pass", () => {
  const runner = {
    kind: "terraform" as const,
    plan: async () => {
      throw new Error("unused");
    },
    apply: async (_req: unknown, exec: Exec) => {
      await exec("tool", [], { cwd: "/" });
      return { ok: true as const, output: "", durationMs: 0, sensitiveValues: [] };
    },
  };
  const project = { name: "net", dir: "net", workspace: "default", runner: "terraform" as const };
  const req = { project, checkoutDir: "/x", dataDir: "/x", planFile: "/x/p", env: {}, timeoutMs: 1, redactWith: () => (t: string) => t };
  const creds = (log: string[]): RunCredentials => ({
    env: { A: "1" },
    mounts: [{ source: "/s", target: "/t" }],
    identity: "i",
    dispose: async () => {
      log.push("disposed");
    },
  });

  it("a forged pass never reaches the credentials", () => {
    const log: string[] = [];
    const forged = { road: "comment", repo: "acme/infra", project: "net", number: 7, actor: "bob" } as unknown as GatePass;
    expect(() =>
      applyThroughGate(
        forged,
        runner,
        req,
        async () => ({}) as never,
        async () => {
          log.push("minted");
          return { ok: true, creds: creds(log) };
        },
      ),
    ).toThrow("without the gate's decision");
    expect(log).toEqual([]);
  });

  it("the apply's tools get them; they are disposed after, also when the apply throws", async () => {
    const d = decide({
      road: "reconcile",
      repo: "acme/infra",
      project: "net",
      number: 0,
      actor: "sluice",
      pause: undefined,
      actorAllowed: { allowed: true },
      window: { open: true },
      lock: { road: "drift", heldByPr: undefined },
      plan: {
        madeFor: { headSha: "a".repeat(40) },
        live: { headSha: "a".repeat(40) },
        stillPending: true,
        file: { ok: true },
        replan: "",
        headOf: "default branch",
      },
      policies: { passed: true },
      destroy: { destroys: false, allowed: true, what: "" },
      planRules: NO_PLAN_RULES,
      driftPause: undefined,
    } as never);
    if (!d.allowed) throw new Error(`expected a pass: ${d.reasons}`);
    const log: string[] = [];
    const seen: ExecOptions[] = [];
    const exec: Exec = async (_f, _a, opts) => {
      seen.push(opts);
      return {} as never;
    };
    await applyThroughGate(d.pass, runner, req, exec, async (pass) => {
      log.push(`minted for ${pass.project}`);
      return { ok: true, creds: creds(log) };
    });
    expect(seen[0]?.env).toEqual({ A: "1" });
    expect(seen[0]?.sandboxMounts).toEqual([{ source: "/s", target: "/t" }]);
    expect(log).toEqual(["minted for net", "disposed"]);
    const failing = { ...runner, apply: async () => Promise.reject(new Error("boom")) };
    await expect(applyThroughGate(d.pass, failing, req, exec, async () => ({ ok: true, creds: creds(log) }))).rejects.toThrow("boom");
    expect(log.at(-1)).toBe("disposed");
  });

  it("credentialedExec leaves a run without credentials as it is", () => {
    const exec: Exec = async () => ({}) as never;
    expect(credentialedExec(exec, { env: {}, mounts: [] })).toBe(exec);
  });
});
