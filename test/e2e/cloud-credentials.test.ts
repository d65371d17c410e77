import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject } from "../support/harness.js";
import { freePort } from "../support/start-app.js";

/**
 * Per-phase credentials with real terraform in the sandbox: a PR's code dumps everything it can
 * reach, at plan (a `run` step of the base branch's workflow runs the PR's script) and at apply
 * (a local-exec provisioner); the apply's token is then exchanged at a stand-in of AWS STS that
 * trusts Sluice's JWKS, fetched over HTTP, as AWS would.
 */
type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

const PLAN_VALUE = "plan-secret-value-3141";
const APPLY_VALUE = "apply-secret-value-2718";
const FILE_VALUE = "apply-file-value-1618";
const PLAN_ROLE = "arn:aws:iam::123456789012:role/sluice-plan";
const APPLY_ROLE = "arn:aws:iam::123456789012:role/sluice-apply";

let h: Harness;
let url: string;
let outside: string;
let sts: Server;
let stsUrl: string;

beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), "sluice-creds-server-"));
  await writeFile(join(outside, "apply.conf"), `${FILE_VALUE}\n`);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  h = await startHarness({
    port,
    env: { SLUICE_PUBLIC_URL: url, SERVER_PLAN_SECRET: PLAN_VALUE, SERVER_APPLY_SECRET: APPLY_VALUE },
    serverConfig: [
      "apply_requirements: [approved]",
      "allowed_overrides: [drift]",
      'allow_custom_workflows: ["acme/*"]',
      "credentials:",
      '  - match: "acme/creds-*:net"',
      "    plan:",
      '      env: { PLAN_SECRET: "env:SERVER_PLAN_SECRET" }',
      `      oidc: { audience: sts.amazonaws.com, aws_role_arn: "${PLAN_ROLE}" }`,
      "    apply:",
      '      env: { APPLY_SECRET: "env:SERVER_APPLY_SECRET" }',
      `      files: { "/etc/sluice-test/apply.conf": "${join(outside, "apply.conf")}" }`,
      `      oidc: { audience: sts.amazonaws.com, aws_role_arn: "${APPLY_ROLE}" }`,
      "",
    ].join("\n"),
  });
  sts = await startStandInSts(url);
  stsUrl = `http://127.0.0.1:${(sts.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await new Promise((r) => sts?.close(r));
  await h?.stop();
  await rm(outside, { recursive: true, force: true });
});

/** AssumeRoleWithWebIdentity as STS checks it: signature by the issuer's JWKS, audience, and the role's trust policy on `sub`. */
async function startStandInSts(issuer: string): Promise<Server> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const trust: Record<string, RegExp> = {
    [PLAN_ROLE]: /^repo:acme\/creds-[0-9]+:project:net:workspace:default:phase:plan$/,
    [APPLY_ROLE]: /^repo:acme\/creds-[0-9]+:project:net:workspace:default:phase:apply$/,
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", async () => {
      const form = new URLSearchParams(body);
      try {
        const { payload } = await jwtVerify(form.get("WebIdentityToken") ?? "", jwks, { issuer, audience: "sts.amazonaws.com" });
        const role = form.get("RoleArn") ?? "";
        if (!trust[role]?.test(payload.sub ?? "")) throw new Error(`not authorized to assume ${role} as ${payload.sub}`);
        res.writeHead(200, { "content-type": "text/xml" }).end(`<AssumedRoleUser><Arn>${role}</Arn></AssumedRoleUser>`);
      } catch (e) {
        res.writeHead(403, { "content-type": "text/xml" }).end(`<Error><Code>AccessDenied</Code><Message>${String(e)}</Message></Error>`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

const assumeRole = async (role: string, token: string) =>
  (
    await fetch(stsUrl, {
      method: "POST",
      body: new URLSearchParams({ Action: "AssumeRoleWithWebIdentity", RoleArn: role, WebIdentityToken: token }),
    })
  ).status;

/** What the PR's code runs: it writes out its environment and whatever files it can reach. */
async function dumpScript(seen: string): Promise<string> {
  const text = await readFile(join(import.meta.dirname, "../fixtures/credentials/dump.sh"), "utf8");
  return text.replaceAll("@SEEN@", seen).replaceAll("@DATA@", h.app.dataDir);
}

const provisioner = '\nresource "terraform_data" "dump" {\n  provisioner "local-exec" {\n    command = "sh ../dump.sh apply"\n  }\n}\n';
const repoConfig = (other = "other") =>
  [
    "version: 1",
    "workflows:",
    "  dump:",
    "    plan:",
    "      steps: [init, { run: sh ../dump.sh plan }, plan]",
    "projects:",
    "  - { name: net, dir: net, workflow: dump }",
    `  - { name: ${other}, dir: other, workflow: dump }`,
    "",
  ].join("\n");

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");
let n = 0;

async function seenFiles(seen: string, prefix: string) {
  const names = (await readdir(seen).catch(() => [] as string[])).filter((f) => f.startsWith(prefix)).sort();
  return Promise.all(names.map(async (f) => ({ name: f, text: await readFile(join(seen, f), "utf8") })));
}

const dumpOf = async (seen: string, prefix: string) => (await seenFiles(seen, prefix)).find((f) => f.name.endsWith(".txt"));

async function repoWithPr(files: (seen: string) => Record<string, string>, change: Record<string, string>) {
  n++;
  const name = `creds-${n}`;
  const seen = join(h.stateDir, name);
  await mkdir(seen, { recursive: true });
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "dump.sh": await dumpScript(seen), ...files(seen) } });
  await h.sim.pushBranch(repo, { branch: "change", files: change });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  return { repo, pr, seen, name };
}

const planned = (repo: Repo, pr: number) =>
  h.sim.waitFor(() => /·\s*(✅|❌|⛔)/.test(bot(repo, pr)[0]?.body ?? ""), { timeoutMs: 120_000, message: "no plan comment" });

describe("per-phase cloud credentials", () => {
  it("a plan holds only the plan set, the apply only the apply set, a project without a rule nothing; the apply token is accepted only for the apply role", async () => {
    const state = (p: string) => join(h.stateDir, `${p}-${n + 1}.tfstate`);
    const { repo, pr, seen, name } = await repoWithPr(
      () => ({
        ".sluice.yaml": repoConfig(),
        "net/main.tf": statefulProject("net", state("net"), 0),
        "other/main.tf": statefulProject("other", state("other"), 0),
      }),
      { "net/main.tf": statefulProject("net", state("net"), 1, provisioner), "other/main.tf": statefulProject("other", state("other"), 1) },
    );
    await planned(repo, pr.number);
    const comment = bot(repo, pr.number)[0]?.body ?? "";
    expect(comment).toContain(
      `credentials: \`acme/creds-*:net\` (plan): OIDC (audience sts.amazonaws.com): AWS role ${PLAN_ROLE}; env PLAN\\_SECRET`,
    );
    expect(comment).toContain("credentials: none (no `credentials` rule of this server matches the project)");

    const planNet = await dumpOf(seen, "plan-net");
    const planOther = await dumpOf(seen, "plan-other");
    expect(planNet?.text).toContain(`PLAN_SECRET=${PLAN_VALUE}`);
    expect(planNet?.text).toContain(`AWS_ROLE_ARN=${PLAN_ROLE}`);
    for (const text of [planNet?.text, planOther?.text]) {
      expect(text).toBeDefined();
      for (const never of [APPLY_VALUE, FILE_VALUE, APPLY_ROLE, "APPLY_SECRET", "SERVER_", "PRIVATE_KEY", "WEBHOOK_SECRET"])
        expect(text).not.toContain(never);
      // Of the dirs where token files are made, a run sees its own only.
      expect(text).not.toContain("run-credentials/apply-");
    }
    expect(planOther?.text).not.toContain(PLAN_VALUE);
    expect(planOther?.text).not.toContain("AWS_ROLE_ARN");

    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply -p net" });
    await h.sim.waitFor(async () => (await seenFiles(seen, "apply-net")).some((f) => f.name.endsWith(".token")), {
      timeoutMs: 120_000,
      message: "the apply did not run its provisioner",
    });
    const applyNet = (await dumpOf(seen, "apply-net"))?.text ?? "";
    expect(applyNet).toContain(`APPLY_SECRET=${APPLY_VALUE}`);
    expect(applyNet).toContain(`AWS_ROLE_ARN=${APPLY_ROLE}`);
    expect(applyNet).toContain(FILE_VALUE);
    expect(applyNet).not.toContain(PLAN_VALUE);

    // Tokens as the PR's code found them, verified against the JWKS served over HTTP.
    const planToken = (await seenFiles(seen, "plan-net")).find((f) => f.name.endsWith(".token"))?.text ?? "";
    const applyToken = (await seenFiles(seen, "apply-net")).find((f) => f.name.endsWith(".token"))?.text ?? "";
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(applyToken, jwks, { issuer: url, audience: "sts.amazonaws.com" });
    expect(payload).toMatchObject({
      sub: `repo:acme/${name}:project:net:workspace:default:phase:apply`,
      repository: `acme/${name}`,
      project: "net",
      workspace: "default",
      phase: "apply",
      pull_request: pr.number,
      head_sha: pr.headSha,
      base_ref: "main",
      actor: "bob",
      approvers: ["bob"],
    });
    expect(typeof payload.jti).toBe("string");
    const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: url, jwks_uri: `${url}/.well-known/jwks.json` });

    expect(await assumeRole(APPLY_ROLE, applyToken)).toBe(200);
    expect(await assumeRole(APPLY_ROLE, planToken)).toBe(403);
    expect(await assumeRole(PLAN_ROLE, planToken)).toBe(200);
    expect(await assumeRole(PLAN_ROLE, applyToken)).toBe(403);

    await h.sim.waitFor(
      () => bot(repo, pr.number).some((c) => c.body.includes(`(apply): OIDC (audience sts.amazonaws.com): AWS role ${APPLY_ROLE}`)),
      {
        timeoutMs: 60_000,
        message: "the apply's comment does not name its identity",
      },
    );
    // Every comment names identities, never a value or a token.
    const all = bot(repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    for (const never of [PLAN_VALUE, APPLY_VALUE, FILE_VALUE, planToken, applyToken]) expect(all).not.toContain(never);
    // The apply's token dir is gone once it ended, and a plan after it finds no trace of it.
    expect(await readdir(join(h.app.dataDir, "run-credentials")).catch(() => [])).toEqual([]);
    const before = (await seenFiles(seen, "plan-net")).length;
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan -p net" });
    await h.sim.waitFor(async () => (await seenFiles(seen, "plan-net")).length >= before + 2, { timeoutMs: 120_000 });
    const later = (await seenFiles(seen, "plan-net")).filter((f) => f.name.endsWith(".txt")).at(-1)?.text ?? "";
    expect(later).toContain(`PLAN_SECRET=${PLAN_VALUE}`);
    for (const never of [APPLY_VALUE, FILE_VALUE, APPLY_ROLE, applyToken, "run-credentials/apply-"]) expect(later).not.toContain(never);
  }, 300_000);

  it("a drift check's plan token claims the default branch it planned, and no pull request", async () => {
    const state = join(h.stateDir, `net-${n + 1}.tfstate`);
    const { repo, pr, seen, name } = await repoWithPr(
      // One resource in git that was never applied: the drift check finds it ("in git, not applied").
      () => ({ ".sluice.yaml": repoConfig(), "net/main.tf": statefulProject("net", state, 1), "other/main.tf": "" }),
      { "README.md": "a change that plans no project\n" },
    );
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/drift -p net" });
    await h.sim.waitFor(async () => (await seenFiles(seen, "plan-net")).some((f) => f.name.endsWith(".token")), {
      timeoutMs: 120_000,
      message: "the drift check's plan did not run with a token",
    });
    const token = (await seenFiles(seen, "plan-net")).find((f) => f.name.endsWith(".token"))?.text ?? "";
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, { issuer: url, audience: "sts.amazonaws.com" });
    expect(payload).toMatchObject({
      sub: `repo:acme/${name}:project:net:workspace:default:phase:plan`,
      phase: "plan",
      base_ref: "main",
      head_sha: pr.baseSha,
    });
    expect(payload.pull_request).toBeUndefined();
    // The drift issue names the identity the plan ran with, never a value.
    const issueOf = () => h.sim.issues(repo).find((i) => i.title === "Drift: project net");
    await h.sim.waitFor(() => issueOf() !== undefined, { timeoutMs: 60_000, message: "no drift issue" });
    expect(issueOf()?.body).toContain(
      `| Credentials | \`acme/creds-*:net\` (plan): OIDC (audience sts.amazonaws.com): AWS role ${PLAN_ROLE}`,
    );
    expect(issueOf()?.body).not.toContain(PLAN_VALUE);
  }, 200_000);

  it("a reconcile's apply token claims the default branch it applied, as its plan's does, and no pull request nor issue", async () => {
    const state = join(h.stateDir, `net-${n + 1}.tfstate`);
    const { repo, pr, seen, name } = await repoWithPr(
      // Pull mode: the resource in git that was never applied is applied by the check itself.
      () => ({
        ".sluice.yaml": `${repoConfig()}drift: { on_drift: apply }\n`,
        "net/main.tf": statefulProject("net", state, 1, provisioner),
        "other/main.tf": "",
      }),
      { "README.md": "a change that plans no project\n" },
    );
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/drift -p net" });
    await h.sim.waitFor(async () => (await seenFiles(seen, "apply-net")).some((f) => f.name.endsWith(".token")), {
      timeoutMs: 120_000,
      message: "the reconcile did not apply with a token",
    });
    const token = (await seenFiles(seen, "apply-net")).find((f) => f.name.endsWith(".token"))?.text ?? "";
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, { issuer: url, audience: "sts.amazonaws.com" });
    expect(payload).toMatchObject({
      sub: `repo:acme/${name}:project:net:workspace:default:phase:apply`,
      phase: "apply",
      base_ref: "main",
      head_sha: pr.baseSha,
      actor: "sluice",
    });
    expect(payload.pull_request).toBeUndefined();
    expect(payload.drift_issue).toBeUndefined();
  }, 200_000);

  it("a PR that renames a project in its repo config to a project with credentials gets none", async () => {
    const state = join(h.stateDir, `other-${n + 1}.tfstate`);
    const { repo, pr, seen } = await repoWithPr(
      () => ({ ".sluice.yaml": repoConfig(), "net/main.tf": "", "other/main.tf": statefulProject("other", state, 0) }),
      {
        ".sluice.yaml": repoConfig("net").replace("{ name: net, dir: net,", "{ name: net-old, dir: net,"),
        "other/main.tf": statefulProject("other", state, 1),
      },
    );
    await planned(repo, pr.number);
    const planOther = await dumpOf(seen, "plan-other");
    expect(planOther?.text).toBeDefined();
    expect(planOther?.text).not.toContain(PLAN_VALUE);
    expect(planOther?.text).not.toContain("AWS_ROLE_ARN");
    expect(bot(repo, pr.number)[0]?.body).toContain("credentials: none");
  }, 200_000);

  it("a new dir named like a project (its dir is the project's name) gets no credentials; the project itself does", async () => {
    // The base branch has `net` at dir `infra/net`; the PR adds a dir `net/` and names it `scratch`.
    // Before identities, a dir the trusted config did not know was known by its dir: `net`.
    const state = (p: string) => join(h.stateDir, `${p}-${n + 1}.tfstate`);
    const base = repoConfig().replace("{ name: net, dir: net, workflow: dump }", "{ name: net, dir: infra/net }");
    const { repo, pr } = await repoWithPr(
      () => ({ ".sluice.yaml": base, "infra/net/main.tf": statefulProject("net", state("net"), 0), "other/main.tf": "" }),
      {
        ".sluice.yaml": `${base}  - { name: scratch, dir: net }\n`,
        "net/main.tf": statefulProject("scratch", state("scratch"), 1),
        "infra/net/main.tf": statefulProject("net", state("net"), 1),
      },
    );
    await planned(repo, pr.number);
    const comment = bot(repo, pr.number)[0]?.body ?? "";
    const section = (name: string) => comment.slice(comment.indexOf(`\`${name}\``)).split("\n---")[0] ?? "";
    expect(section("scratch")).toContain("credentials: none (a new project (not on the base branch)");
    expect(section("scratch")).not.toContain("acme/creds-*:net");
    // Control: the real net, at its own dir, gets its rule.
    expect(comment).toContain("credentials: `acme/creds-*:net` (plan)");
  }, 200_000);
});
