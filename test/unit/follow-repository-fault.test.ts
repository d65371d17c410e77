import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { followRepository } from "../../src/ingress/follow-repository.js";
import type { JobTarget } from "../../src/model/job.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-follow-fault-"));
  store = openSqliteStore(join(dir, "sluice.db"));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const target = (repo: string, pr: number): JobTarget => {
  const [owner = "", name = ""] = repo.split("/");
  return { installationId: 1, repo: { owner, name }, cloneUrl: `https://gh.test/${repo}.git`, pr };
};
const delivery = (id: string, name: string) => ({
  id,
  name: "pull_request",
  payload: { action: "opened", repository: { id: 4242, name, full_name: `acme/${name}`, owner: { login: "acme" } } },
});

/** A fault in the database that only the move's statements meet (a trigger: the store itself is real). */
function failMoves(on: boolean): void {
  const db = new Database(join(dir, "sluice.db"));
  try {
    if (on) db.exec("CREATE TRIGGER no_move BEFORE UPDATE OF repo ON locks BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;");
    else db.exec("DROP TRIGGER no_move;");
  } finally {
    db.close();
  }
}

describe("a rename found by a delivery, whose move the store fails to make", () => {
  it("fails the delivery (to be sent again), not acted on under the new name where PR 1's lock is not", async () => {
    const lines: string[] = [];
    const log = {
      info: () => undefined,
      warn: (_: object, msg: string) => lines.push(msg),
      error: (_: object, msg: string) => lines.push(msg),
    };
    const opts = { store, allowed: () => true, log };
    expect(await followRepository(opts, delivery("g1", "infra"))).toBeUndefined();
    await store.takeLock(
      { repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 1 },
      target("acme/infra", 1),
    );
    failMoves(true);
    await expect(followRepository(opts, delivery("g2", "platform"))).rejects.toThrow(/disk I\/O error/);
    expect(lines.join("\n")).toContain("acme/infra → acme/platform");
    expect((await store.locksOf("acme/infra", 1)).length).toBe(1);
    // Control: sent again once the fault is gone, the move is made and the delivery acted on.
    failMoves(false);
    expect(await followRepository(opts, delivery("g2", "platform"))).toBeUndefined();
    expect((await store.locksOf("acme/platform", 1)).length).toBe(1);
  });
});
