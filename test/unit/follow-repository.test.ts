import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { followRepository, moveOnRepositoryEvent } from "../../src/ingress/follow-repository.js";
import type { JobTarget } from "../../src/model/job.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";

const renamedExample = () =>
  structuredClone(
    (createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[])
      .filter((d) => d.name === "repository")
      .flatMap((d) => d.examples as unknown as Record<string, unknown>[])
      .find((e) => e.action === "renamed"),
  ) as { changes: { repository: { name: { from: string } } }; repository: { id: number; name: string } };

function logged() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_: object, msg: string) => lines.push({ level, msg });
  return { lines, log: { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") } };
}

const target = (repo: string, pr: number): JobTarget => {
  const [owner = "", name = ""] = repo.split("/");
  return { installationId: 1, repo: { owner, name }, cloneUrl: `https://gh.test/${repo}.git`, pr };
};
const lock = (repo: string, pr: number) => ({ repo, dir: "net", workspace: "default", project: "net", scope: "", pr });

let store: Store;
afterEach(async () => {
  await store?.close();
});

describe("a repository delivery at ingress", () => {
  it("moves the locks of the old name, and says so", async () => {
    store = openSqliteStore(":memory:");
    const payload = renamedExample();
    payload.changes.repository.name.from = "old-name";
    await store.takeLock(lock("Octocoders/old-name", 1), target("Octocoders/old-name", 1));
    const { lines, log } = logged();
    await moveOnRepositoryEvent({ store, allowed: () => true, log }, { id: "d1", name: "repository", payload });
    expect((await store.locksOf("Octocoders/Hello-World", 1)).length).toBe(1);
    expect(lines).toContainEqual({
      level: "info",
      msg: "repository renamed: Octocoders/old-name → Octocoders/Hello-World, 1 row of its live state moved",
    });
  });

  it("refuses loudly, moving nothing, when the new name already has another repository's locks", async () => {
    store = openSqliteStore(":memory:");
    const payload = renamedExample();
    payload.changes.repository.name.from = "old-name";
    await store.takeLock(lock("Octocoders/old-name", 1), target("Octocoders/old-name", 1));
    await store.takeLock(lock("Octocoders/Hello-World", 2), target("Octocoders/Hello-World", 2));
    const { lines, log } = logged();
    await moveOnRepositoryEvent({ store, allowed: () => true, log }, { id: "d2", name: "repository", payload });
    expect(lines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
      "repository renamed: Octocoders/old-name → Octocoders/Hello-World NOT followed: Octocoders/Hello-World already has live rows (locks: 1): nothing moved. Its locks, plans and holds stay under Octocoders/old-name",
    ]);
    expect((await store.locksOf("Octocoders/old-name", 1)).length).toBe(1);
  });

  it("a move the store could not make fails the delivery (to be redelivered), saying why", async () => {
    const closed = openSqliteStore(":memory:");
    await closed.close();
    const { lines, log } = logged();
    const payload = renamedExample();
    payload.changes.repository.name.from = "old-name";
    await expect(
      moveOnRepositoryEvent({ store: closed, allowed: () => true, log }, { id: "d5", name: "repository", payload }),
    ).rejects.toThrow();
    expect(lines.map((l) => [l.level, l.msg.split(":")[0]])).toEqual([["error", "repository renamed"]]);
    expect(lines[0]?.msg).toContain("Octocoders/old-name");
  });

  it("names what is wrong with a rename that does not say what it moved, and ignores other actions", async () => {
    store = openSqliteStore(":memory:");
    const { lines, log } = logged();
    const payload = renamedExample() as { changes: unknown };
    payload.changes = {};
    await moveOnRepositoryEvent({ store, allowed: () => true, log }, { id: "d3", name: "repository", payload });
    await moveOnRepositoryEvent(
      { store, allowed: () => true, log },
      { id: "d4", name: "repository", payload: { ...payload, action: "archived" } },
    );
    expect(lines).toEqual([{ level: "warn", msg: "delivery refused: repository.renamed without the repository's former name" }]);
  });

  it("a delivery under a name its id was not heard under moves the rows; one under a name it left is acted on under its name now", async () => {
    store = openSqliteStore(":memory:");
    const { log } = logged();
    const opts = { store, allowed: () => true, log };
    const payload = renamedExample();
    payload.repository.name = "first";
    // First heard: recorded, nothing moves.
    expect(
      await followRepository(opts, {
        id: "e1",
        name: "issues",
        payload: { ...payload, repository: { ...payload.repository, name: "first" } },
      }),
    ).toBeUndefined();
    await store.takeLock(lock("Octocoders/first", 1), target("Octocoders/first", 1));
    const later = { ...payload, repository: { ...payload.repository, name: "second" } };
    expect(await followRepository(opts, { id: "e2", name: "issues", payload: later })).toBeUndefined();
    expect((await store.locksOf("Octocoders/second", 1)).length).toBe(1);
    // Made before the move, delivered after: nothing moves back.
    expect(
      await followRepository(opts, {
        id: "e3",
        name: "issues",
        payload: { ...payload, repository: { ...payload.repository, name: "first" } },
      }),
    ).toEqual({ repo: "Octocoders/second", how: "former" });
    expect((await store.locksOf("Octocoders/second", 1)).length).toBe(1);
  });

  it("a rename's late delivery after a later rename was found by another delivery moves nothing back to a name it left", async () => {
    store = openSqliteStore(":memory:");
    const { log } = logged();
    const opts = { store, allowed: () => true, log };
    const payload = renamedExample();
    const at = (name: string, updatedAt: string) => ({ ...payload.repository, name, updated_at: updatedAt });
    await followRepository(opts, { id: "e1", name: "issues", payload: { ...payload, repository: at("first", "2026-11-27T10:00:00Z") } });
    await store.takeLock(lock("Octocoders/first", 1), target("Octocoders/first", 1));
    // first → second (10:05, its delivery failed), second → third (10:10, lost): a push under third finds it.
    const pushed = { ...payload, repository: at("third", "2026-11-27T10:10:00Z") };
    expect(await followRepository(opts, { id: "e2", name: "issues", payload: pushed })).toBeUndefined();
    expect((await store.locksOf("Octocoders/third", 1)).length).toBe(1);
    // The first rename's delivery comes again (Sluice's redelivery): made before the move followed.
    const first = structuredClone(payload) as typeof payload & { repository: { updated_at: string } };
    first.changes.repository.name.from = "first";
    first.repository = at("second", "2026-11-27T10:05:00Z");
    await moveOnRepositoryEvent(opts, { id: "d-first", name: "repository", payload: first });
    expect(await store.repositoryName(first.repository.id)).toBe("Octocoders/third");
    expect((await store.locksOf("Octocoders/third", 1)).length).toBe(1);
    expect(await store.locksOf("Octocoders/second", 1)).toEqual([]);
    // Another delivery made under second (before the move to third), sent again: acted on under third.
    const made = { id: "e-second", name: "issues", payload: { ...payload, repository: at("second", "2026-11-27T10:05:00Z") } };
    expect(await followRepository(opts, made)).toEqual({ repo: "Octocoders/third", how: "former" });
    expect((await store.locksOf("Octocoders/third", 1)).length).toBe(1);
    // Control: a delivery under third is acted on as it is (nothing to follow), a later rename is followed.
    expect(await followRepository(opts, { id: "e3", name: "issues", payload: pushed })).toBeUndefined();
    const next = structuredClone(payload) as typeof payload & { repository: { updated_at: string } };
    next.changes.repository.name.from = "third";
    next.repository = at("fourth", "2026-11-27T10:20:00Z");
    await moveOnRepositoryEvent(opts, { id: "d-next", name: "repository", payload: next });
    expect((await store.locksOf("Octocoders/fourth", 1)).length).toBe(1);
  });

  it("logs a refusal through the server's own logger (pino: its methods need their logger), and answers the delivery", async () => {
    store = openSqliteStore(":memory:");
    const written: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => written.push(line) });
    const payload = renamedExample();
    payload.changes.repository.name.from = "old-name";
    await store.takeLock(lock("Octocoders/old-name", 1), target("Octocoders/old-name", 1));
    await store.takeLock(lock("Octocoders/Hello-World", 2), target("Octocoders/Hello-World", 2));
    await expect(
      moveOnRepositoryEvent({ store, allowed: () => true, log }, { id: "p1", name: "repository", payload }),
    ).resolves.toBeUndefined();
    const lines = written.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.map((l) => [l.level, l.msg.split(":")[0]])).toEqual([[50, "repository renamed"]]);
    expect(lines[0]?.msg).toContain("NOT followed: Octocoders/Hello-World already has live rows (locks: 1)");
    // A move the store fails to make is logged as an error too (and fails the delivery, to be redelivered).
    const closed = openSqliteStore(":memory:");
    await closed.close();
    await expect(
      moveOnRepositoryEvent({ store: closed, allowed: () => true, log }, { id: "p2", name: "repository", payload }),
    ).rejects.toThrow(/closed|not open/i);
    expect((JSON.parse(written[1] ?? "{}") as { level: number; msg: string }).msg).toContain("not followed (the delivery fails");
  });

  it("a delivery under a new name whose move is refused says so (not to be acted on there), until the move is made", async () => {
    store = openSqliteStore(":memory:");
    const { lines, log } = logged();
    const opts = { store, allowed: () => true, log };
    const payload = renamedExample();
    const named = (name: string) => ({ ...payload, repository: { ...payload.repository, name } });
    expect(await followRepository(opts, { id: "f1", name: "issues", payload: named("iced") })).toBeUndefined();
    await store.takeLock(lock("Octocoders/iced", 1), target("Octocoders/iced", 1));
    // Another repository's lock left under the name this one is renamed to (that one deleted, or its own move lost).
    await store.noteRepository(999, "Octocoders/decoy");
    await store.takeLock({ ...lock("Octocoders/decoy", 5), dir: "other" }, target("Octocoders/decoy", 5));
    // Acted on under the new name, PR 1's lock and every rule written for Octocoders/iced would not hold it.
    expect(await followRepository(opts, { id: "f2", name: "issues", payload: named("decoy") })).toEqual({
      repo: "Octocoders/iced",
      how: "refused",
    });
    expect(lines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
      "repository seen: Octocoders/iced → Octocoders/decoy NOT followed: Octocoders/decoy already has live rows (locks: 1): nothing moved. Its locks, plans and holds stay under Octocoders/iced",
    ]);
    expect((await store.locksOf("Octocoders/iced", 1)).length).toBe(1);
    // Control: once the name is free, the next delivery moves the rows and is acted on under the new name.
    await store.releaseLocks("Octocoders/decoy", 5);
    expect(await followRepository(opts, { id: "f3", name: "issues", payload: named("decoy") })).toBeUndefined();
    expect((await store.locksOf("Octocoders/decoy", 1)).length).toBe(1);
  });

  it("a deleted repository's rows go aside, kept: a repository renamed onto its name then moves there; restored, they come back", async () => {
    store = openSqliteStore(":memory:");
    const { lines, log } = logged();
    const opts = { store, allowed: () => true, log };
    const payload = renamedExample();
    const named = (id: number, name: string) => ({ ...payload, repository: { ...payload.repository, id, name } });
    // infra (id 1) holds PR 5's lock; infra-v2 (id 2) holds PR 1's.
    await followRepository(opts, { id: "a1", name: "issues", payload: named(1, "infra") });
    await store.takeLock(lock("Octocoders/infra", 5), target("Octocoders/infra", 5));
    await followRepository(opts, { id: "a2", name: "issues", payload: named(2, "infra-v2") });
    await store.takeLock({ ...lock("Octocoders/infra-v2", 1), dir: "app" }, target("Octocoders/infra-v2", 1));
    // Before the deletion is heard: infra-v2 renamed onto infra is refused (infra's rows are another repository's).
    expect(await followRepository(opts, { id: "a3", name: "issues", payload: named(2, "infra") })).toEqual({
      repo: "Octocoders/infra-v2",
      how: "refused",
    });
    const deleted = { ...named(1, "infra"), action: "deleted", changes: undefined };
    await moveOnRepositoryEvent(opts, { id: "a4", name: "repository", payload: deleted });
    expect(lines.filter((l) => l.level === "info").map((l) => l.msg)).toContain(
      "repository deleted: Octocoders/infra → Octocoders/infra~deleted-1, 1 row of its live state moved",
    );
    // Kept, not dropped: PR 5's lock (and whatever else it held) is under the deleted repository's name.
    expect((await store.locksOf("Octocoders/infra~deleted-1", 5)).length).toBe(1);
    expect(await store.locksOf("Octocoders/infra", 5)).toEqual([]);
    // The rename is followed now: infra-v2's lock is under infra, and the delivery acted on there.
    expect(await followRepository(opts, { id: "a5", name: "issues", payload: named(2, "infra") })).toBeUndefined();
    expect((await store.locksOf("Octocoders/infra", 1)).length).toBe(1);
    // Restored under another name, the deleted repository's rows come back to it.
    expect(await followRepository(opts, { id: "a6", name: "issues", payload: named(1, "infra-old") })).toBeUndefined();
    expect((await store.locksOf("Octocoders/infra-old", 5)).length).toBe(1);
    expect(await store.repositoryName(1)).toBe("Octocoders/infra-old");
  });

  it("a deletion heard after another repository took the name moves nothing of that one's", async () => {
    store = openSqliteStore(":memory:");
    const { log } = logged();
    const opts = { store, allowed: () => true, log };
    const payload = renamedExample();
    const named = (id: number, name: string) => ({ ...payload, repository: { ...payload.repository, id, name } });
    // infra (id 3) is heard under the name now; a late deletion of the one that had it before (id 1).
    await followRepository(opts, { id: "b1", name: "issues", payload: named(3, "infra") });
    await store.takeLock(lock("Octocoders/infra", 2), target("Octocoders/infra", 2));
    await moveOnRepositoryEvent(opts, { id: "b2", name: "repository", payload: { ...named(1, "infra"), action: "deleted" } });
    expect((await store.locksOf("Octocoders/infra", 2)).length).toBe(1);
    expect(await store.repositoryName(3)).toBe("Octocoders/infra");
  });

  it("a deleted repository's late delivery under the name another repository took takes nothing of that one's, nor its name", async () => {
    store = openSqliteStore(":memory:");
    const { log } = logged();
    const opts = { store, allowed: () => true, log };
    const payload = renamedExample();
    const named = (id: number, name: string) => ({ ...payload, repository: { ...payload.repository, id, name } });
    // infra (id 1) holds PR 5's lock, and is deleted; infra-v2 (id 2, no live rows) is renamed onto infra.
    await followRepository(opts, { id: "c1", name: "issues", payload: named(1, "infra") });
    await store.takeLock(lock("Octocoders/infra", 5), target("Octocoders/infra", 5));
    await moveOnRepositoryEvent(opts, { id: "c2", name: "repository", payload: { ...named(1, "infra"), action: "deleted" } });
    await followRepository(opts, { id: "c3", name: "issues", payload: named(2, "infra-v2") });
    expect(await followRepository(opts, { id: "c4", name: "issues", payload: named(2, "infra") })).toBeUndefined();
    // A delivery the deleted repository's PR made before the deletion, redelivered now: acted on
    // under infra, it would be acted on in infra-v2's repository, with the deleted one's lock there.
    expect(await followRepository(opts, { id: "c5", name: "issue_comment", payload: named(1, "infra") })).toEqual({
      repo: "Octocoders/infra~deleted-1",
      how: "refused",
    });
    expect(await store.locksOf("Octocoders/infra", 5)).toEqual([]);
    expect((await store.locksOf("Octocoders/infra~deleted-1", 5)).length).toBe(1);
    expect(await store.repositoryName(2)).toBe("Octocoders/infra");
    expect(await store.repositoryName(1)).toBe("Octocoders/infra~deleted-1");
    // Control: restored under a name no other repository has, its rows come back to it.
    expect(await followRepository(opts, { id: "c6", name: "issues", payload: named(1, "infra-restored") })).toBeUndefined();
    expect((await store.locksOf("Octocoders/infra-restored", 5)).length).toBe(1);
    expect(await store.repositoryName(2)).toBe("Octocoders/infra");
  });
});

/** GitHub's own example of an event Sluice is sent, with one action. */
const example = (event: string, action: string) =>
  structuredClone(
    (createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[])
      .filter((d) => d.name === event)
      .flatMap((d) => d.examples as unknown as Record<string, unknown>[])
      .find((e) => e.action === action),
  ) as { repository: { id: number; full_name: string } };

describe("a repository delivery whose body is another event's", () => {
  // X-GitHub-Event is not signed. A comment's deletion (anyone who can comment can delete their
  // own) or an issue's, captured signed (a smee.io channel is readable by whoever has its address)
  // and sent again as `repository`, read as the repository's deletion: its locks, plans, holds and
  // queued jobs went aside under `~deleted-ID`, the queued jobs rewritten to a name GitHub has not.
  it.each([
    ["issue_comment", "deleted"],
    ["issues", "deleted"],
  ])("a %s.%s body moves nothing, and is refused saying so", async (event, action) => {
    store = openSqliteStore(":memory:");
    const { lines, log } = logged();
    const payload = example(event, action);
    const repo = payload.repository.full_name;
    await store.noteRepository(payload.repository.id, repo);
    await store.takeLock(lock(repo, 5), target(repo, 5));
    await moveOnRepositoryEvent({ store, allowed: () => true, log }, { id: `x-${event}`, name: "repository", payload });
    expect((await store.locksOf(repo, 5)).length).toBe(1);
    expect(await store.repositoryName(payload.repository.id)).toBe(repo);
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      `warn delivery refused: a repository delivery whose body has ${event === "issues" ? "issue" : "issue, comment"}, which no repository event has (X-GitHub-Event is not signed)`,
    ]);
  });

  it("control: the repository's own deletion, with every key GitHub sends it, moves its rows aside", async () => {
    store = openSqliteStore(":memory:");
    const { log } = logged();
    const { changes: _, ...payload } = { ...renamedExample(), action: "deleted", enterprise: { id: 1 } };
    const repo = `${(payload.repository as unknown as { owner: { login: string } }).owner.login}/${payload.repository.name}`;
    await store.takeLock(lock(repo, 5), target(repo, 5));
    await moveOnRepositoryEvent({ store, allowed: () => true, log }, { id: "x-deleted", name: "repository", payload });
    expect(await store.locksOf(repo, 5)).toEqual([]);
    expect((await store.locksOf(`${repo}~deleted-${payload.repository.id}`, 5)).length).toBe(1);
  });
});
