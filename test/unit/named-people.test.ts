import { describe, expect, it } from "vitest";
import { configuredLogins, startPeopleResolution } from "../../src/app/resolve-people-at-start.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { personOf } from "../../src/model/person.js";
import { jobPeople, lookupThrottle, namesAccount, type PeopleDeps } from "../../src/policy/named-people.js";
import { memoryPins } from "../fakes/fake-people.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { runningJob } from "../fakes/fake-jobs.js";
import { fakeUserId } from "../fakes/fake-vcs.js";
import { authorizeCommand } from "../../src/authorization/authorize-command.js";

const logOf = () => {
  const lines: string[] = [];
  return { lines, log: { warn: (_o: object, m: string) => void lines.push(m), error: (_o: object, m: string) => void lines.push(m) } };
};

const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setTimeout(r, 5));
};

describe("people a server setting names", () => {
  it("a login, @login, login#id; a team is no person", () => {
    expect(personOf("alice")).toEqual({ login: "alice" });
    expect(personOf("@alice")).toEqual({ login: "alice" });
    expect(personOf("alice#42")).toEqual({ login: "alice", id: 42 });
    expect(personOf("acme/dba")).toBeUndefined();
  });

  it("GitHub down: the login grants nothing, says why, and is asked again at the next use (control: then it is pinned and grants)", async () => {
    const { lines, log } = logOf();
    let down = true;
    const deps: PeopleDeps = {
      store: memoryPins(),
      userId: async () => {
        if (down) throw new Error("GitHub is down");
        return 7;
      },
      log,
    };
    expect(await namesAccount(deps, ["alice"], { login: "alice", id: 7 })).toBe(false);
    expect(lines.join("\n")).toContain("could not resolve the server config's login alice");
    down = false;
    expect(await namesAccount(deps, ["alice"], { login: "alice", id: 7 })).toBe(true);
  });

  it("an actor without an account id (a job of an older version) is no one's, even under a named login", async () => {
    const deps: PeopleDeps = { store: memoryPins(), userId: async () => 7, log: logOf().log };
    expect(await namesAccount(deps, ["alice"], { login: "alice" })).toBe(false);
    expect(await namesAccount(deps, ["alice#7"], { login: "alice" })).toBe(false);
  });

  it("at start: pins every configured login, retries those GitHub could not answer, and tells of a login now another account's", async () => {
    const config = parseServerConfig(
      'admins: [root, "pinned#9"]\napply_users: [ci-owner]\nprotect_owners: [dba, acme/dba]\nrepos: ["acme/*", {id: "acme/x", apply_users: [x-owner]}]\n',
      "test",
    );
    expect(configuredLogins(config).sort()).toEqual(["ci-owner", "dba", "root", "x-owner"]);

    const { lines, log } = logOf();
    const store = memoryPins();
    await store.pinPerson("root", 1); // resolved by an earlier start: root was account 1
    let asked = 0;
    const accounts: Record<string, number> = { root: 2, dba: 3, "ci-owner": 4, "x-owner": 5 }; // root changed hands
    const stop = startPeopleResolution({
      store,
      log,
      logins: configuredLogins(config),
      retryMs: 1,
      userId: async (login) => {
        if (login === "dba" && asked++ === 0) throw new Error("GitHub is down");
        return accounts[login];
      },
    });
    await until(() => store.pins.has("dba"));
    stop();
    expect(store.pins.get("root")?.id).toBe(1);
    expect([...store.pins.keys()].sort()).toEqual(["ci-owner", "dba", "root", "x-owner"]);
    expect(lines.join("\n")).toContain("the server config's login root now belongs to GitHub account 2, not account 1");
    expect(lines.join("\n")).toContain("could not resolve the server config's login dba");
  });

  it("the store keeps the first account a login was pinned to, whatever GitHub answers later", async () => {
    const { store } = await fakeJobDeps({});
    expect(await store.pinPerson("Root", 1)).toMatchObject({ login: "root", id: 1 });
    expect(await store.pinPerson("root", 2)).toMatchObject({ login: "root", id: 1 });
    await store.pinPerson("dba", 3);
    const pins = await store.personPins(["ROOT", "dba", "nobody"]);
    expect([...pins.entries()].map(([k, p]) => [k, p.id])).toEqual([
      ["root", 1],
      ["dba", 3],
    ]);
  });
});

describe("apply_users by account id", () => {
  it("attack: an apply user renames and another account takes the login: refused; the apply user under the new login is allowed (control)", async () => {
    const deps = await fakeJobDeps({ serverConfig: "apply_users: [dev]\n" });
    const unlock = (actor: string, actorId?: number) =>
      runningJob({ kind: "unlock", command: { kind: "unlock", filter: {} }, actor, ...(actorId !== undefined ? { actorId } : {}) });
    const dev = fakeUserId("dev");
    // dev has no write access: only the server's apply_users let them.
    expect((await authorizeCommand(deps.vcs, deps, unlock("dev", dev), "unlock", "write")).allowed).toBe(true);
    deps.vcs.userIds.set("dev", dev + 1); // dev renamed to dev-2; another account registered "dev"
    expect((await authorizeCommand(deps.vcs, deps, unlock("dev", dev + 1), "unlock", "write")).allowed).toBe(false);
    expect((await authorizeCommand(deps.vcs, deps, unlock("dev-2", dev), "unlock", "write")).allowed).toBe(true);
    // A job without the asker's id (queued by an older version) is no one's.
    expect((await authorizeCommand(deps.vcs, deps, unlock("dev"), "unlock", "write")).allowed).toBe(false);
  });

  it("an outsider's commands ask GitHub about a login no account has once, not once per command (control: asked again after the minute, and then it grants)", async () => {
    const deps = await fakeJobDeps({ serverConfig: "apply_users: [gone]\n" });
    deps.vcs.userIds.set("gone", undefined); // renamed away before Sluice resolved it; no one has it yet
    let asked = 0;
    const userId = deps.vcs.userId.bind(deps.vcs);
    deps.vcs.userId = async (login) => {
      asked++;
      return userId(login);
    };
    const unlock = () => runningJob({ kind: "unlock", command: { kind: "unlock", filter: {} }, actor: "mallory", actorId: 666 });
    for (let i = 0; i < 20; i++) expect((await authorizeCommand(deps.vcs, deps, unlock(), "unlock", "write")).allowed).toBe(false);
    expect(asked).toBe(1);
    // The same throttle on a clock of its own: after the minute, the login is asked about again.
    let now = 0;
    const mayAsk = lookupThrottle(60_000, () => now);
    const people = jobPeople(deps, deps.vcs, mayAsk);
    const gone = fakeUserId("gone");
    expect(await namesAccount(people, ["gone"], { login: "gone-2", id: gone })).toBe(false);
    expect(asked).toBe(2);
    deps.vcs.userIds.set("gone", gone); // its owner takes it back
    now = 59_000;
    expect(await namesAccount(people, ["gone"], { login: "gone", id: gone })).toBe(false);
    expect(asked).toBe(2);
    now = 60_000;
    expect(await namesAccount(people, ["gone"], { login: "gone", id: gone })).toBe(true);
    expect(asked).toBe(3);
  });
});
