import { execFile } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/github-simulator.js";
import type { SimRepo } from "../simulator/sim-types.js";
import { signAppJwt } from "../simulator/sign-app-jwt.js";
import { example } from "../simulator/webhook-payloads.js";

const SECRET = "test-webhook-secret";

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  json: { comment?: { user?: { login?: string } } } & Record<string, unknown>;
}

function git(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "git",
      args,
      {
        cwd,
        env: { PATH: process.env.PATH, HOME: tmpdir(), GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("GitHub simulator: auth, git, webhooks", () => {
  let sim: Simulator;
  let receiver: Server;
  let repo: SimRepo;
  let work: string;
  const received: Received[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "sim-test-"));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks);
        received.push({ headers: req.headers, raw, json: JSON.parse(raw.toString("utf8")) });
        res.writeHead(202).end("accepted");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    sim = await startSimulator({ webhookSecret: SECRET });
    sim.setWebhookTarget(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}`);
    repo = await sim.createRepo({
      owner: "acme",
      name: "infra",
      files: { "README.md": "hello\n", "net/main.tf": 'output "x" { value = 1 }\n' },
    });
    await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": 'output "x" { value = 2 }\n', "app/main.tf": "# new\n" } });
  });

  afterAll(async () => {
    await sim?.stop();
    await new Promise((r) => receiver?.close(r));
    await rm(work, { recursive: true, force: true });
  });

  const accessToken = async (jwt: string) =>
    fetch(`${sim.url}/api/v3/app/installations/${sim.installationId}/access_tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}`, accept: "application/vnd.github+json" },
    });

  it("mints installation tokens only for a JWT signed by the app key with the right iss", async () => {
    const good = await accessToken(signAppJwt(sim.privateKeyPem, sim.appId));
    expect(good.status).toBe(201);
    const body = (await good.json()) as { token: string; expires_at: string; permissions: object; repository_selection: string };
    expect(body.token).toMatch(/^ghs_/);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());
    expect(body.repository_selection).toBe("all");
    expect(sim.issuedTokens).toContain(body.token);

    const otherKey = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const forged = await accessToken(signAppJwt(otherKey, sim.appId));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { message: string }).message).toMatch(/JSON web token/);

    expect((await accessToken(signAppJwt(sim.privateKeyPem, 999))).status).toBe(401);
    expect((await accessToken(signAppJwt(sim.privateKeyPem, sim.appId, { exp: Math.floor(Date.now() / 1000) - 5 }))).status).toBe(401);
    expect((await accessToken("not-a-jwt")).status).toBe(401);

    const app = await fetch(`${sim.url}/api/v3/app`, { headers: { authorization: `Bearer ${signAppJwt(sim.privateKeyPem, sim.appId)}` } });
    expect(((await app.json()) as { slug: string }).slug).toBe("sluice");
  });

  it("refuses REST calls without a valid installation token, GitHub style", async () => {
    const res = await fetch(`${sim.url}/api/v3/repos/acme/infra`, { headers: { authorization: "token ghs_bogus" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "Bad credentials" });
    const ok = await fetch(`${sim.url}/api/v3/repos/acme/infra`, { headers: { authorization: `token ${sim.mintToken()}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ full_name: "acme/infra", clone_url: repo.cloneUrl, default_branch: "main" });
  });

  it("answers unknown endpoints 404 and records them", async () => {
    const before = sim.unknownCalls.length;
    const res = await fetch(`${sim.url}/api/v3/repos/acme/infra/branches/main/protection`, {
      headers: { authorization: `token ${sim.mintToken()}` },
    });
    expect(res.status).toBe(404);
    expect(sim.unknownCalls.slice(before)).toEqual([
      expect.objectContaining({ method: "GET", path: "/repos/acme/infra/branches/main/protection", status: 404 }),
    ]);
  });

  it("opens a PR with refs/pull/N/head and sends a signed pull_request.opened", async () => {
    sim.setPermission(repo, "alice", "write");
    const pr = await sim.openPullRequest(repo, { head: "change", author: "alice", title: "Bump x" });
    expect(pr.number).toBe(1);
    expect(pr.delivery.status).toBe(202);

    const hit = received.find((r) => r.headers["x-github-delivery"] === pr.delivery.deliveryId);
    expect(hit).toBeDefined();
    const { headers, raw, json } = hit as Received;
    expect(headers["x-github-event"]).toBe("pull_request");
    expect(headers["user-agent"]).toBe("GitHub-Hookshot/sim");
    expect(headers["x-hub-signature-256"]).toBe(`sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`);
    expect(headers["x-hub-signature"]).toBe(`sha1=${createHmac("sha1", SECRET).update(raw).digest("hex")}`);
    expect(json).toMatchObject({
      action: "opened",
      number: 1,
      installation: { id: 100 },
      sender: { login: "alice" },
      repository: { full_name: "acme/infra", clone_url: repo.cloneUrl, owner: { login: "acme" }, default_branch: "main" },
      pull_request: { number: 1, state: "open", head: { sha: pr.headSha, ref: "change" }, base: { sha: pr.baseSha, ref: "main" } },
    });
  });

  it("clones and fetches the PR head over smart HTTP only with a valid token", async () => {
    const jwt = signAppJwt(sim.privateKeyPem, sim.appId);
    const { token } = (await (await accessToken(jwt)).json()) as { token: string };
    const authed = repo.cloneUrl.replace("http://", `http://x-access-token:${token}@`);

    const denied = await git(["clone", "--quiet", repo.cloneUrl, path.join(work, "anon")]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Authentication failed|could not read Username|401/);
    const wrong = await git([
      "clone",
      "--quiet",
      repo.cloneUrl.replace("http://", "http://x-access-token:ghs_nope@"),
      path.join(work, "wrong"),
    ]);
    expect(wrong.code).not.toBe(0);

    const dest = path.join(work, "clone");
    const cloned = await git(["clone", "--quiet", authed, dest]);
    expect(cloned.stderr).toBe("");
    expect(await readFile(path.join(dest, "net/main.tf"), "utf8")).toBe('output "x" { value = 1 }\n');
    const fetched = await git(["fetch", "--quiet", "origin", "refs/pull/1/head"], dest);
    expect(fetched.code).toBe(0);
    const pr = sim.pullRequest(repo, 1);
    expect((await git(["rev-parse", "FETCH_HEAD"], dest)).stdout.trim()).toBe(pr.headSha);
    expect(sim.gitFetches).toContainEqual({ repo: "acme/infra", token });

    // A preset header (http.extraHeader) works without the 401 round trip.
    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    const viaHeader = await git([
      "-c",
      `http.extraHeader=Authorization: Basic ${basic}`,
      "clone",
      "--quiet",
      repo.cloneUrl,
      path.join(work, "hdr"),
    ]);
    expect(viaHeader.code).toBe(0);
  });

  it("sends issue_comment events that look like PR comments and counts the app's comments as the bot's", async () => {
    const { commentId, delivery } = await sim.comment(repo, 1, { user: "alice", body: "/plan -p net" });
    const hit = received.find((r) => r.headers["x-github-delivery"] === delivery.deliveryId);
    expect(hit?.json).toMatchObject({
      action: "created",
      issue: { number: 1, pull_request: { url: `${sim.url}/api/v3/repos/acme/infra/pulls/1` } },
      comment: { id: commentId, body: "/plan -p net", user: { login: "alice", type: "User" } },
      installation: { id: 100 },
    });

    const token = sim.mintToken();
    const res = await fetch(`${sim.url}/api/v3/repos/acme/infra/issues/1/comments`, {
      method: "POST",
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ body: "Plan: 1 to change" }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ body: "Plan: 1 to change", user: { login: "sluice[bot]", type: "Bot" } });
    expect(sim.comments(repo, 1).map((c) => c.user)).toEqual(["alice", "sluice[bot]"]);
    // GitHub echoes the app's own comment back to it.
    await sim.waitFor(() => received.some((r) => r.json.comment?.user?.login === "sluice[bot]"), { timeoutMs: 5000 });
  });

  it("rejects a comment over 65,536 characters with GitHub's 422 and records it", async () => {
    const post = (body: string) =>
      fetch(`${sim.url}/api/v3/repos/acme/infra/issues/1/comments`, {
        method: "POST",
        headers: { authorization: `token ${sim.mintToken()}`, "content-type": "application/json" },
        body: JSON.stringify({ body }),
      });
    const tooLong = await post("x".repeat(65_537));
    expect(tooLong.status).toBe(422);
    expect(await tooLong.json()).toMatchObject({
      message: "Validation Failed",
      errors: [{ resource: "IssueComment", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" }],
    });
    expect(sim.rejectedComments).toEqual([expect.objectContaining({ repo: "acme/infra", issueNumber: 1, length: 65_537 })]);
    expect((await post("y".repeat(65_536))).status).toBe(201);
  });

  it("sends synchronize with before/after when the PR branch moves", async () => {
    const before = sim.pullRequest(repo, 1).headSha;
    const { headSha, delivery } = await sim.pushToPullRequest(repo, 1, { "net/main.tf": 'output "x" { value = 3 }\n' });
    const hit = received.find((r) => r.headers["x-github-delivery"] === delivery.deliveryId);
    expect(hit?.json).toMatchObject({ action: "synchronize", before, after: headSha, pull_request: { head: { sha: headSha } } });
  });

  it("lets a test send a delivery with a broken signature", async () => {
    const result = await sim.deliver("ping", { zen: "Keep it logically awesome." }, { signature: "sha256=0000" });
    const hit = received.find((r) => r.headers["x-github-delivery"] === result.deliveryId);
    expect(hit?.headers["x-hub-signature-256"]).toBe("sha256=0000");
    const unsigned = await sim.deliver("ping", {}, { signature: null });
    expect(received.find((r) => r.headers["x-github-delivery"] === unsigned.deliveryId)?.headers["x-hub-signature-256"]).toBeUndefined();
  });

  it("sends push with its repository in GitHub's push format: `url` is the web page, the owner has a name", async () => {
    // What GitHub sends (its own example): unlike every other event's, a push's repository.url is not the API's.
    const real = example("push", "").repository as Record<string, unknown> & { owner: Record<string, unknown> };
    expect(real.url).toBe(real.html_url);
    expect(typeof real.created_at).toBe("number");
    const { delivery } = await sim.pushDefaultBranch(repo, { "README.md": "pushed\n" });
    const hit = received.find((r) => r.headers["x-github-delivery"] === delivery.deliveryId);
    const sent = hit?.json.repository as Record<string, unknown> & { owner: Record<string, unknown> };
    expect(sent.url).toBe(sent.html_url);
    expect(sent.url).toBe(repo.htmlUrl);
    expect(typeof sent.created_at).toBe(typeof real.created_at);
    expect(Object.keys(sent.owner)).toEqual(expect.arrayContaining(Object.keys(real.owner)));
    expect(sent.owner).toMatchObject({ name: "acme", login: "acme" });
  });
});
