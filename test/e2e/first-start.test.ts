import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import { runMainUntilExit } from "../support/run-main.js";
import { startSseRelay } from "../support/sse-relay.js";
import { type AppProcess, freePort, removeDir, startApp } from "../support/start-app.js";
import { simulatorAppEnv } from "../simulator/app-env.js";
import { dataPaths } from "../../src/workspace/data-paths.js";

const rsaPem = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();

async function readyz(
  app: AppProcess,
): Promise<{ status: number; body: { ok: boolean; checks: { name: string; ok: boolean; reason?: string; detail?: string }[] } }> {
  const r = await fetch(`${app.url}/readyz`);
  return { status: r.status, body: (await r.json()) as Awaited<ReturnType<typeof readyz>>["body"] };
}

/** Polls /readyz until the GitHub check has an answer (it runs in the background after start). */
async function githubCheck(app: AppProcess) {
  for (let i = 0; i < 200; i++) {
    const r = await readyz(app);
    const github = r.body.checks.find((c) => c.name === "github");
    if (github && !(github.reason ?? "").startsWith("checking")) return { ...r, github };
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("the GitHub check never finished");
}

// Each case only starts and stops a process: run a few at once.
describe.concurrent("configuration errors: exit 2, naming the variable", () => {
  let dir: string;
  let key: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-config-"));
    key = rsaPem();
    await writeFile(join(dir, "not-a-key.pem"), "hello\n");
    await writeFile(join(dir, "a-file"), "x");
    await writeFile(
      join(dir, "ec.pem"),
      generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    );
    await writeFile(join(dir, "bad-server.yaml"), "parallel: lots\n");
    // SLUICE_WORKTREE_DIR on a shared tmpfs: another user made this data dir's name there first,
    // as a link to a dir of theirs, or as a dir others can enter.
    await mkdir(join(dir, "theirs"));
    await mkdir(join(dir, "wt-link"));
    await symlink(join(dir, "theirs"), dataPaths.worktreeRoot(join(dir, "data"), join(dir, "wt-link")));
    const open = dataPaths.worktreeRoot(join(dir, "data"), join(dir, "wt-open"));
    await mkdir(open, { recursive: true });
    await chmod(open, 0o777);
  });
  afterAll(async () => removeDir(dir));

  const base = () => ({
    APP_ID: "1",
    PRIVATE_KEY: key,
    WEBHOOK_SECRET: "s",
    GHE_HOST: "127.0.0.1:9",
    GHE_PROTOCOL: "http",
    SLUICE_DATA_DIR: join(dir, "data"),
  });
  const cases: [string, () => Record<string, string>, string][] = [
    ["LOG_LEVEL not a level", () => ({ LOG_LEVEL: "verbose" }), "LOG_LEVEL"],
    ["SLUICE_DATA_DIR under a file", () => ({ SLUICE_DATA_DIR: join(dir, "a-file", "data") }), "SLUICE_DATA_DIR"],
    ["SLUICE_WORKTREE_DIR under a file", () => ({ SLUICE_WORKTREE_DIR: join(dir, "a-file", "wt") }), "SLUICE_WORKTREE_DIR: cannot write"],
    [
      "SLUICE_WORKTREE_DIR: this data dir's dir there is a link",
      () => ({ SLUICE_WORKTREE_DIR: join(dir, "wt-link") }),
      "is not a directory (a link?)",
    ],
    [
      "SLUICE_WORKTREE_DIR: this data dir's dir there is open to others",
      () => ({ SLUICE_WORKTREE_DIR: join(dir, "wt-open") }),
      "is open to other users (mode 777)",
    ],
    ["DATABASE_URL malformed", () => ({ DATABASE_URL: "not a url" }), "DATABASE_URL"],
    ["DATABASE_URL of another database", () => ({ DATABASE_URL: "mysql://u:p@db/x" }), "DATABASE_URL"],
    [
      "PRIVATE_KEY malformed",
      () => ({ PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n" }),
      "PRIVATE_KEY",
    ],
    ["PRIVATE_KEY as base64 of nothing useful", () => ({ PRIVATE_KEY: Buffer.from("just text").toString("base64") }), "PRIVATE_KEY"],
    [
      "PRIVATE_KEY_PATH to a file that is not a key",
      () => ({ PRIVATE_KEY: "", PRIVATE_KEY_PATH: join(dir, "not-a-key.pem") }),
      "PRIVATE_KEY_PATH",
    ],
    ["PRIVATE_KEY of the wrong kind (EC)", () => ({ PRIVATE_KEY: "", PRIVATE_KEY_PATH: join(dir, "ec.pem") }), "PRIVATE_KEY_PATH"],
    ["WEBHOOK_SECRET missing", () => ({ WEBHOOK_SECRET: "" }), "WEBHOOK_SECRET"],
    ["SLUICE_PUBLIC_URL not a URL", () => ({ SLUICE_PUBLIC_URL: "sluice.example.com" }), "SLUICE_PUBLIC_URL"],
    ["SLUICE_SERVER_CONFIG invalid", () => ({ SLUICE_SERVER_CONFIG: join(dir, "bad-server.yaml") }), "parallel"],
  ];

  it.each(cases)("%s", async (_name, env, variable) => {
    const r = await runMainUntilExit({ ...base(), ...env() }, dir);
    expect(r.output).toContain(variable);
    expect(r.code, r.output).toBe(2);
    expect(r.output).not.toContain("BEGIN RSA PRIVATE KEY");
  });

  it("DATABASE_URL that cannot be reached: exit 2, without the password", async () => {
    const port = await freePort();
    const r = await runMainUntilExit({ ...base(), DATABASE_URL: `postgres://sluice:hunter2-pw@127.0.0.1:${port}/sluice` }, dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain("DATABASE_URL");
    expect(r.output).toContain("ECONNREFUSED");
    expect(r.output).not.toContain("hunter2");
  });
});

describe("GitHub credentials at start", () => {
  it("a valid key that GitHub rejects: /readyz answers 503 with the reason", async () => {
    const sim = await startSimulator({ webhookSecret: "s" });
    const app = await startApp({
      env: { APP_ID: String(sim.appId), PRIVATE_KEY: rsaPem(), WEBHOOK_SECRET: "s", GHE_HOST: sim.host, GHE_PROTOCOL: "http" },
    });
    try {
      const r = await githubCheck(app);
      expect(r.status).toBe(503);
      expect(r.body.ok).toBe(false);
      expect(r.github.reason).toContain("GitHub rejected the app's credentials (401");
      expect(r.github.reason).toContain("PRIVATE_KEY");
      expect(r.body.checks.find((c) => c.name === "store")?.ok).toBe(true);
      // The log line follows the readiness answer: wait for it rather than race it.
      const deadline = Date.now() + 10_000;
      while (!app.output().includes("GitHub auth check failed") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(app.output()).toContain("GitHub auth check failed: GitHub rejected");
    } finally {
      await app.kill();
      await sim.stop();
      await removeDir(app.dataDir);
    }
  });

  it("GitHub that cannot be reached is reported as a problem on this side, not GitHub's: in /readyz and in a job's log", async () => {
    const closed = await freePort();
    // The simulator only sends the webhook, naming the unreachable GitHub as its own (as a GitHub
    // behind a proxy this side cannot pass would); the app's API calls go to a port nobody listens on.
    const sim = await startSimulator({ webhookSecret: "s", advertisedUrl: `http://127.0.0.1:${closed}` });
    const app = await startApp({
      env: {
        APP_ID: String(sim.appId),
        PRIVATE_KEY: sim.privateKeyPem,
        WEBHOOK_SECRET: "s",
        GHE_HOST: `127.0.0.1:${closed}`,
        GHE_PROTOCOL: "http",
      },
    });
    try {
      const r = await githubCheck(app);
      expect(r.status).toBe(503);
      expect(r.github.reason).toContain("could not reach GitHub");
      expect(r.github.reason).toContain("ECONNREFUSED");
      expect(r.github.reason).toContain("not an answer from GitHub");
      expect(r.github.reason).not.toContain("GitHub answered");

      sim.setWebhookTarget(app.url);
      const repo = await sim.createRepo({ owner: "acme", name: "offline", files: { "README.md": "# hi\n" } });
      await sim.pushBranch(repo, { branch: "docs", files: { "README.md": "# hello\n" } });
      const pr = await sim.openPullRequest(repo, { head: "docs", author: "alice" });
      expect(pr.delivery.status).toBe(202);
      await sim.waitFor(() => app.output().includes('"msg":"job failed"'), { timeoutMs: 20_000, message: "the job did not fail" });
      const line = JSON.parse(
        app
          .output()
          .split("\n")
          .find((l) => l.includes('"msg":"job failed"')) ?? "{}",
      ) as { err?: string; cause?: string };
      expect(line.cause).toBe("network");
      expect(line.err).toContain("GitHub could not be reached from this server");
      expect(line.err).toContain("ECONNREFUSED");
      expect(line.err).not.toContain("GitHub answered");
    } finally {
      await app.kill();
      await sim.stop();
      await removeDir(app.dataDir);
    }
  });

  it("accepted credentials: /readyz is 200 and one line says where webhooks go and that loopback is unreachable", async () => {
    const sim = await startSimulator({ webhookSecret: "s" });
    sim.setHookUrl("http://127.0.0.1:3000/");
    const app = await startApp({
      env: { APP_ID: String(sim.appId), PRIVATE_KEY: sim.privateKeyPem, WEBHOOK_SECRET: "s", GHE_HOST: sim.host, GHE_PROTOCOL: "http" },
    });
    try {
      const r = await githubCheck(app);
      expect(r.status).toBe(200);
      expect(r.github).toMatchObject({ ok: true });
      // The tools found at start, with versions, are in the log and in /readyz.
      expect(r.body.checks.find((c) => c.name === "tools")?.detail).toMatch(/^tools: .*terraform \d+\.\d+\.\d+/);
      // The log line is written before /readyz answers, but reaches this process through a pipe.
      await sim.waitFor(() => /"msg":"tools: [^"]*terraform \d/.test(app.output()), { timeoutMs: 10_000, message: "no tools line" });
      await sim.waitFor(() => app.output().includes("webhooks: "), { timeoutMs: 10_000, message: "no webhook line" });
      const line =
        app
          .output()
          .split("\n")
          .find((l) => l.includes("webhooks: ")) ?? "";
      expect(JSON.parse(line)).toMatchObject({ level: 40, webhookUrl: "http://127.0.0.1:3000/" });
      expect(line).toContain("loopback or private address that GitHub cannot reach");
      expect(line).toContain("SLUICE_PUBLIC_URL");
    } finally {
      await app.kill();
      await sim.stop();
      await removeDir(app.dataDir);
    }
  });
});

describe("WEBHOOK_PROXY_URL", () => {
  it("a relay standing in for smee.io delivers a signed event, which is acted on; a forged one is refused", async () => {
    const secret = `whsec-${randomBytes(8).toString("hex")}`;
    const relay = await startSseRelay();
    const sim = await startSimulator({ webhookSecret: secret });
    // GitHub posts to the channel; the app listens to it.
    sim.setWebhookTarget(relay.channelUrl);
    sim.setHookUrl(relay.channelUrl);
    const app = await startApp({
      env: {
        ...simulatorAppEnv(sim, secret),
        WEBHOOK_PROXY_URL: relay.channelUrl,
      },
    });
    try {
      await sim.waitFor(() => relay.clients() > 0, { timeoutMs: 15_000, message: "the app never connected to the relay" });
      await sim.waitFor(() => app.output().includes("webhooks: "), { timeoutMs: 10_000, message: "no webhook line" });
      expect(app.output()).toContain(`webhooks: GitHub sends them to the relay ${relay.channelUrl}`);

      const repo = await sim.createRepo({ owner: "acme", name: "relayed", files: { "README.md": "# hi\n" } });
      await sim.pushBranch(repo, { branch: "docs", files: { "README.md": "# hello\n" } });
      const pr = await sim.openPullRequest(repo, { head: "docs", author: "alice" });
      expect(pr.delivery.status).toBe(200);
      await sim.waitFor(() => sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
        timeoutMs: 30_000,
        message: "the relayed pull_request event was not acted on",
      });

      relay.push({
        "x-github-event": "ping",
        "x-github-delivery": "forged-1",
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
        body: { zen: "forged" },
        query: {},
      });
      await sim.waitFor(() => app.output().includes("webhook with a wrong signature refused"), {
        timeoutMs: 10_000,
        message: "the forged event was not refused",
      });
    } finally {
      await app.kill();
      await sim.stop();
      await relay.stop();
      await removeDir(app.dataDir);
    }
  });
});

describe("the first start, from no credentials to a running app", () => {
  it("registers through the manifest flow, writes .env, and the next start is ready", async () => {
    const sim = await startSimulator({ webhookSecret: "whsec-registered" });
    const env = { GHE_HOST: sim.host, GHE_PROTOCOL: "http", SLUICE_PUBLIC_URL: "https://sluice.example.com" };
    const setup = await startApp({ env });
    let app: AppProcess | undefined;
    try {
      // The address to open, with its one-time token, is in the server's log only.
      const token = /\/\?token=([0-9a-f]{32}) to register/.exec(setup.output())?.[1];
      expect(token, setup.output()).toBeDefined();
      expect((await fetch(`${setup.url}/`)).status).toBe(403);
      const page = await (await fetch(`${setup.url}/?token=${token}`)).text();
      expect(page).toContain("<code>https://sluice.example.com/api/github/webhooks</code>");
      expect(page).toContain(`action="http://${sim.host}/settings/apps/new?state=${token}"`);
      // GitHub sends the browser back with a one-time code and the state.
      const back = await fetch(`${setup.url}/setup/callback?code=first-hour-code&state=${token}`, { redirect: "manual" });
      expect(back.status).toBe(302);
      expect(back.headers.get("location")).toMatch(/\/apps\/[\w-]+\/installations\/new$/);
      expect(setup.output()).toContain("credentials written to .env");
      await setup.kill();

      const written = await readFile(join(setup.dataDir, ".env"), "utf8");
      expect(written).toContain(`APP_ID=${sim.appId}`);
      expect(written).toContain("WEBHOOK_SECRET=whsec-registered");
      // The second start reads .env (its working directory) and runs Sluice itself.
      app = await startApp({ env, dataDir: setup.dataDir, port: setup.port });
      const r = await githubCheck(app);
      expect(r.status).toBe(200);
      expect(r.github.ok).toBe(true);
    } finally {
      await (app ?? setup).kill();
      await sim.stop();
      await removeDir(setup.dataDir);
    }
  });
});
