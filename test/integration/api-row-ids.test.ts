import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamJobEvents } from "../../src/console/job-events.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { startApiServer } from "../support/api-server.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";

/**
 * Ids in a link or an API call past PostgreSQL's `integer` (job, token, audit event, pull request
 * number) name no row, but asked of PostgreSQL they are an error ("out of range for type
 * integer"), not an empty answer: `GET /api/v1/jobs/2147483648` answered 500 "could not answer
 * this request" where a job that does not exist answers 404 saying so. Run on PostgreSQL, where
 * it failed (SQLite's integers are wider).
 */
const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const suite = available.ok || process.env.CI ? describe : describe.skip;
const PAST = 2 ** 31;

let db: TestPostgres;
let store: Store;
let api: Awaited<ReturnType<typeof startApiServer>>;
let jobId: number;
let dataDir = "";

beforeAll(async () => {
  if (!available.ok && !process.env.CI) return;
  db = await startPostgres();
  dataDir = mkdtempSync(join(tmpdir(), "sluice-row-ids-"));
  store = await openStore(db.url, dataDir);
  api = await startApiServer(store);
  const target = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "http://git/acme/infra.git", pr: 3 };
  jobId = await store.enqueueInternal(target, { kind: "plan", trigger: "autoplan", actor: "alice" });
});

afterAll(async () => {
  await api?.stop();
  await store?.close();
  await db?.stop();
  // Made in beforeAll, outside any test: testDir's clean-up would never run for it.
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const del = (path: string, token: string) =>
  fetch(`${api.base}${path}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
const post = (path: string, token: string, body: unknown) =>
  fetch(`${api.base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

suite("ids past PostgreSQL's integer on the API", () => {
  it("attack: a job, its log, a token and a preview's pull request are answered 404, not 500", async () => {
    const admin = await api.token(["admin"]);
    for (const path of [`/api/v1/jobs/${PAST}`, `/api/v1/jobs/${PAST}/log`]) {
      const r = await api.get(path, admin);
      expect(r.status, path).toBe(404);
      expect(await r.json()).toEqual({ error: "There is no such job you can see." });
    }
    const revoke = await del(`/api/v1/tokens/${PAST}`, admin);
    expect(revoke.status).toBe(404);
    expect(await revoke.json()).toEqual({ error: "no such token, or it is revoked already" });
    const destroy = await post("/api/v1/previews/destroy", admin, { repo: "acme/infra", pr: PAST, project: "net" });
    expect(destroy.status).toBe(404);
  });

  it("control: a job that exists is read, and a token that exists is revoked", async () => {
    const admin = await api.token(["admin"]);
    const r = await api.get(`/api/v1/jobs/${jobId}`, admin);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ id: jobId, repo: "acme/infra", pr: 3 });
    const doomed = (await (await api.get("/api/v1/tokens", admin)).json()) as { id: number }[];
    const id = Math.min(...doomed.map((t) => t.id));
    expect((await del(`/api/v1/tokens/${id}`, admin)).status).toBe(200);
  });
});

suite("a job's event stream asked for output after a sequence past PostgreSQL's integer", () => {
  it("ends as for any finished job, with nothing after it (control: from 0, its output)", async () => {
    const target = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "http://git/acme/infra.git", pr: 4 };
    const id = await store.enqueueInternal(target, { kind: "plan", trigger: "autoplan", actor: "alice" });
    await store.appendJobLog({ jobId: id, repo: "acme/infra", pr: 4, kind: "plan", project: "net", text: "Plan: 1 to add\n" }, 1_000_000);
    await store.updateJob(id, { status: "done" });
    const server = createServer((req, res) => {
      const after = Number(new URL(req.url ?? "/", "http://x").searchParams.get("after"));
      void streamJobEvents(req, res, store, id, after, { pollMs: 5 }).catch(() => res.destroy());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const past = await (await fetch(`${at}/?after=${PAST}`)).text();
      expect(past).toContain("event: end");
      expect(past).not.toContain("Plan: 1 to add");
      expect(await (await fetch(`${at}/?after=0`)).text()).toContain("Plan: 1 to add");
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
