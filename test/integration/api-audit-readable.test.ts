import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { startApiServer } from "../support/api-server.js";

/**
 * The audit trail's reads took the server's newest `limit` events, then kept the reader's: a
 * reader of a quiet repository on a busy server got fewer of its events than it asked for (none,
 * here), and the count told how busy the repositories it may not read were.
 */
let store: Store;
let api: Awaited<ReturnType<typeof startApiServer>>;

beforeAll(async () => {
  store = openSqliteStore(":memory:");
  api = await startApiServer(store);
  // Repositories Sluice ran a job for: what a token's repository globs can cover.
  for (const name of ["infra", "secret"])
    await store.enqueueInternal(
      { installationId: 1, repo: { owner: "acme", name }, cloneUrl: `http://git/acme/${name}.git`, pr: 1 },
      { kind: "plan", trigger: "autoplan", actor: "alice" },
    );
  await store.recordAudit({ actor: "alice", action: "unlock", repo: "acme/infra", project: "net", pr: 1, detail: "the reader's" });
  for (let i = 0; i < 12; i++)
    await store.recordAudit({ actor: "mallory", action: "unlock", repo: "acme/secret", project: "db", pr: 2, detail: `other ${i}` });
  await store.recordAudit({ actor: "alice", action: "drift-pause", repo: "acme/infra", project: "net", detail: "newest of the reader's" });
});

afterAll(async () => {
  await api?.stop();
  await store?.close();
});

const audit = async (token: string, query: string) =>
  ((await (await api.get(`/api/v1/audit${query}`, token)).json()) as { repo: string; detail: string }[]).map(
    (r) => `${r.repo} ${r.detail}`,
  );

describe("GET /api/v1/audit?limit=", () => {
  it("answers the reader's newest events up to the limit, whatever other repositories did since", async () => {
    const reader = await api.token(["read"], ["acme/infra"]);
    expect(await audit(reader, "?limit=2")).toEqual(["acme/infra newest of the reader's", "acme/infra the reader's"]);
    // Pages through the store: a limit smaller than the other repositories' run still finds them.
    expect(await audit(reader, "?limit=5")).toEqual(["acme/infra newest of the reader's", "acme/infra the reader's"]);
  });

  it("still answers a reader of every repository the newest first, cut at the limit (control)", async () => {
    // Issuing the tokens wrote events too (api-token-issue, an admin's to read): in between, never counted.
    const all = await api.token(["read"]);
    const rows = await audit(all, "?limit=3");
    expect(rows).toEqual(["acme/infra newest of the reader's", "acme/secret other 11", "acme/secret other 10"]);
    expect(await audit(all, "?limit=100")).toHaveLength(14);
  });
});
