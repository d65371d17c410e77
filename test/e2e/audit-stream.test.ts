import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { verifySignature } from "../../src/audit/sign-body.js";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { schemaProblems } from "../support/json-schema-check.js";
import { freePort } from "../support/start-app.js";
import { signIn } from "../support/console-sign-in.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];
interface Got {
  path: string;
  body: string;
  headers: IncomingHttpHeaders;
}
interface Event {
  id: number;
  action: string;
  project?: string;
  actor: string;
  kinds: string[];
}

const SECRET = "audit-stream-test-secret";
/** The actions this test causes (the gate may record more kinds of events over time). */
const STORY = new Set(["gate-allowed", "gate-refused", "lock-wait", "pause", "resume"]);

/** The operator's receiver: checks every signature, can be killed and started again on its port. */
function receiver(port: number) {
  const got: Got[] = [];
  let badSignatures = 0;
  let server: Server | undefined;
  return {
    got,
    badSignatures: () => badSignatures,
    events: () => got.filter((g) => g.path === "/audit").map((g) => JSON.parse(g.body) as Event),
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          if (req.url === "/audit" && !verifySignature(SECRET, body, req.headers["x-sluice-signature-256"] as string | undefined)) {
            badSignatures++;
            return void res.writeHead(401).end();
          }
          got.push({ path: req.url ?? "", body, headers: req.headers });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve, reject) => {
        server?.once("error", reject);
        server?.listen(port, "127.0.0.1", () => resolve());
      });
    },
    async kill() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

let h: Harness;
let rx: ReturnType<typeof receiver>;
const env: Record<string, string> = {
  AUDIT_SECRET: SECRET,
  SLUICE_AUDIT_POLL_MS: "100",
  SLUICE_AUDIT_RETRY_BASE_MS: "100",
  SLUICE_SESSION_SECRET: "an-audit-stream-test-session-key-0123456789",
};

beforeAll(async () => {
  const port = await freePort();
  rx = receiver(port);
  await rx.start();
  h = await startHarness({
    serverConfig: [
      "apply_requirements: []",
      "admins: [alice]",
      `audit_stream: {url: "http://127.0.0.1:${port}/audit", secret: "env:AUDIT_SECRET"}`,
      `notifications: [{match: "acme/stream:net", url: "http://127.0.0.1:${port}/slack", format: slack, events: [apply, lock-wait]}]`,
      "",
    ].join("\n"),
    env,
    beforeStart: async (sim) => {
      env.GITHUB_CLIENT_ID = sim.oauthClientId;
      env.GITHUB_CLIENT_SECRET = sim.oauthClientSecret;
    },
  });
  for (const u of ["alice", "bob"]) h.sim.addUser(u);
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await rx?.kill();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function say(repo: Repo, pr: number, user: string, body: string): Promise<string> {
  const before = bot(repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  await h.sim.waitFor(() => /Sluice applies|·\s*(✅|❌|⛔)/.test(bot(repo, pr)[before]?.body ?? ""), { timeoutMs: 90_000 });
  return bot(repo, pr)[before]?.body ?? "";
}

/** Each event once (delivery is at least once), in the order first received. */
const distinct = (events: Event[]) => events.filter((e, i) => events.findIndex((o) => o.id === e.id) === i);

describe("the audit stream with the real app", () => {
  it("delivers every event signed and in order; a receiver that is down holds up no apply and loses nothing", async () => {
    const state = (p: string) => join(h.stateDir, `${p}.tfstate`);
    for (const u of ["alice", "bob"]) h.sim.setPermission("acme/stream", u, "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "stream",
      files: { "net/main.tf": statefulProject("net", state("net"), 0), "db/main.tf": statefulProject("db", state("db"), 0) },
    });
    await h.sim.pushBranch(repo, {
      branch: "grow",
      files: { "net/main.tf": statefulProject("net", state("net"), 1), "db/main.tf": statefulProject("db", state("db"), 1) },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
    await h.sim.waitFor(() => (bot(repo, pr.number)[0]?.body.match(/Plan: 1 to add/g) ?? []).length === 2, { timeoutMs: 90_000 });

    expect(await say(repo, pr.number, "bob", "/apply -p db")).toMatch(/✅ applied/);
    await vi.waitFor(() => expect(rx.events().some((e) => e.action === "gate-allowed" && e.project === "db")).toBe(true), {
      timeout: 30_000,
    });

    // Another pull request on net waits for the lock the first one holds.
    await h.sim.pushBranch(repo, { branch: "other", files: { "net/main.tf": statefulProject("net", state("net"), 2) } });
    const other = await h.sim.openPullRequest(repo, { head: "other", author: "alice" });
    await h.sim.waitFor(() => /locked by #/.test(bot(repo, other.number)[0]?.body ?? ""), { timeoutMs: 90_000 });

    // The receiver goes away: applies, refusals and the brake go on as before, each recorded.
    await rx.kill();
    expect(await say(repo, pr.number, "alice", "/applies pause -- audit window")).toContain("Applies are paused");
    expect(await say(repo, pr.number, "bob", "/apply -p net")).toContain("Applies are paused");
    expect(await say(repo, pr.number, "alice", "/applies resume")).toContain("Applies are resumed");
    expect(await say(repo, pr.number, "bob", "/apply -p net")).toMatch(/✅ applied/);
    expect(await stateResources(state("net"))).toEqual(["terraform_data.net_0"]);

    // The delivery log (admins only) shows the stream failing and retrying meanwhile.
    const cookie = await signIn(h.app.url, "alice");
    expect((await fetch(`${h.app.url}/audit/deliveries.json`, { headers: { cookie: await signIn(h.app.url, "bob") } })).status).toBe(403);
    await vi.waitFor(
      async () => {
        const log = (await (await fetch(`${h.app.url}/audit/deliveries.json`, { headers: { cookie } })).json()) as {
          sink: string;
          status: string;
          attempts: number;
          lastError?: string;
        }[];
        const failing = log.find((d) => d.sink === "audit-stream" && d.status === "failing");
        expect(failing?.attempts).toBeGreaterThanOrEqual(2);
        expect(failing?.lastError).toMatch(/not delivered: ECONNREFUSED/);
      },
      { timeout: 30_000 },
    );

    // The app itself is killed too while events wait; after both come back, nothing is lost.
    await h.restart();
    await rx.start();
    await vi.waitFor(() => expect(distinct(rx.events()).some((e) => e.action === "gate-allowed" && e.project === "net")).toBe(true), {
      timeout: 60_000,
    });
    const events = distinct(rx.events());
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => (ids[0] ?? 0) + i));
    expect(ids[0]).toBe(1);
    // (A refusal for the pause may name no project: the brake holds every project.)
    const story = events
      .filter((e) => STORY.has(e.action))
      .map((e) => (e.action === "gate-allowed" || e.action === "lock-wait" ? `${e.action} ${e.project}` : e.action));
    expect(story).toEqual(["gate-allowed db", "lock-wait net", "pause", "gate-refused", "resume", "gate-allowed net"]);
    expect(rx.badSignatures()).toBe(0);
    for (const g of rx.got.filter((x) => x.path === "/audit")) {
      expect(g.headers["x-sluice-event"]).toBe((JSON.parse(g.body) as Event).action);
    }
    const schema = JSON.parse(readFileSync(new URL("../../schema/audit-event.schema.json", import.meta.url), "utf8"));
    for (const e of events) expect([e.id, schemaProblems(schema, e)]).toEqual([e.id, []]);

    // The notification for acme/stream:net applies and lock waits: those two, in Slack's format.
    await vi.waitFor(() => expect(rx.got.filter((g) => g.path === "/slack")).toHaveLength(2), { timeout: 30_000 });
    const slack = rx.got.filter((g) => g.path === "/slack").map((g) => (JSON.parse(g.body) as { text: string }).text);
    expect(slack[0]).toBe(`⏳ acme/stream net #${other.number} waits for its lock (alice): plan waits for the lock held by #${pr.number}`);
    expect(slack[1]).toMatch(/^✅ bob applies acme\/stream net #\d+ \(comment\)/);

    // Redelivery from the console: the same event again, marked as such.
    const admin = await signIn(h.app.url, "alice");
    const page = await (await fetch(`${h.app.url}/audit/deliveries`, { headers: { cookie: admin } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
    const last = ids.at(-1) as number;
    const posted = await fetch(`${h.app.url}/audit/deliveries/redeliver`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: admin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, sink: "audit-stream", event: String(last) }).toString(),
    });
    expect(posted.status).toBe(303);
    await vi.waitFor(() => expect(rx.got.some((g) => g.headers["x-sluice-redelivery"] === "true")).toBe(true), { timeout: 30_000 });
    expect((JSON.parse(rx.got.find((g) => g.headers["x-sluice-redelivery"] === "true")?.body ?? "{}") as Event).id).toBe(last);
  }, 300_000);
});
