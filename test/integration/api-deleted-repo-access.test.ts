import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletedRepositoryName } from "../../src/model/repo-move.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { startApiServer } from "../support/api-server.js";

/**
 * A repository deleted on GitHub keeps its rows (jobs, logs, locks, applies) under
 * `owner/name~deleted-ID`. A token's (or an SSO role's) globs were matched against that name, not
 * the repository's: `acme/*` matched it, `!acme/payments` no longer did, so a reader excluded from
 * acme/payments read its whole history (and an operator could act on its kept locks) once it was
 * deleted, while a reader scoped to acme/payments lost it.
 */
let store: Store;
let api: Awaited<ReturnType<typeof startApiServer>>;
let paymentsJob: number;
let infraJob: number;
const kept = deletedRepositoryName("acme/payments", 77);

beforeAll(async () => {
  store = openSqliteStore(":memory:");
  api = await startApiServer(store);
  const job = (name: string) =>
    store.enqueueInternal(
      { installationId: 1, repo: { owner: "acme", name }, cloneUrl: `http://git/acme/${name}.git`, pr: 1 },
      { kind: "plan", trigger: "autoplan", actor: "alice" },
    );
  paymentsJob = await job("payments");
  infraJob = await job("infra");
  await store.appendJobLog(
    { jobId: paymentsJob, repo: "acme/payments", pr: 1, kind: "plan", project: "db", text: "payments' plan output\n" },
    1_000_000,
  );
  const moved = await store.moveRepository({ from: "acme/payments", to: kept, repoId: 77, actor: "alice", how: "deleted" });
  expect(moved.kind).toBe("moved");
});

afterAll(async () => {
  await api?.stop();
  await store?.close();
});

const status = async (token: string, path: string) => (await api.get(path, token)).status;

describe("a deleted repository's rows, read with repository globs", () => {
  it("stay out of reach of a token whose globs exclude the repository", async () => {
    const excluded = await api.token(["read"], ["acme/*", "!acme/payments"]);
    expect(await status(excluded, `/api/v1/jobs/${paymentsJob}`)).toBe(404);
    expect(await status(excluded, `/api/v1/jobs/${paymentsJob}/log`)).toBe(404);
    const whoami = (await (await api.get("/api/v1/whoami", excluded)).json()) as { repos: Record<string, string> };
    expect(Object.keys(whoami.repos)).toEqual(["acme/infra"]);
    // Control: the repositories the globs cover are read as before.
    expect(await status(excluded, `/api/v1/jobs/${infraJob}`)).toBe(200);
  });

  it("stay readable to a token of that repository, as they were before its deletion (control)", async () => {
    const payments = await api.token(["read"], ["acme/payments"]);
    expect(await status(payments, `/api/v1/jobs/${paymentsJob}`)).toBe(200);
    const log = (await (await api.get(`/api/v1/jobs/${paymentsJob}/log`, payments)).json()) as { streams: { text: string }[] };
    expect(log.streams.map((s) => s.text)).toEqual(["payments' plan output\n"]);
    expect(await status(payments, `/api/v1/jobs/${infraJob}`)).toBe(404);
  });
});
