import type { Probot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configuredAccounts, configuredLogins, startPeopleResolution } from "../../src/app/resolve-people-at-start.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { accountLoginLookup, userIdLookup } from "../../src/vcs/github/user-id-lookup.js";
import { memoryPins } from "../fakes/fake-people.js";
import { startSimulator, type Simulator } from "../simulator/github-simulator.js";
import { simulatorProbot } from "../support/simulator-probot.js";

/**
 * A `login#account-id` in the server config is asked of GitHub at start (`GET /user/{account_id}`):
 * an id whose account has another login than the one written (mistyped, or copied from another
 * account) is told to the operator, both named. The id is trusted as written all the same.
 */
describe("login#account-id checked with GitHub at start", () => {
  let sim: Simulator;
  let probot: Probot;

  beforeAll(async () => {
    sim = await startSimulator({ webhookSecret: "s", appSlug: "sluice" });
    await sim.createRepo({ owner: "acme", name: "infra", files: { "main.tf": "# 1\n" } });
    probot = simulatorProbot(sim);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("an id of another account than the login written is logged as an error naming both; control: an id that is the login's is not", async () => {
    const carol = sim.addUser("carol");
    const dave = sim.addUser("dave");
    const erin = sim.addUser("erin");
    const config = parseServerConfig(
      [
        `admins: ["carol#${dave.id}", "erin#${erin.id}"]`,
        "permissions:",
        `  - { match: "acme/infra", apply: ["carol#${carol.id}", "nobody#987654321"] }`,
        "",
      ].join("\n"),
      "test",
    );
    expect(configuredLogins(config)).toEqual([]);
    expect(configuredAccounts(config).map((a) => `${a.login}#${a.id}`)).toEqual([
      `carol#${dave.id}`,
      `erin#${erin.id}`,
      `carol#${carol.id}`,
      "nobody#987654321",
    ]);
    const errors: string[] = [];
    const warnings: string[] = [];
    const stop = startPeopleResolution({
      store: memoryPins(),
      userId: userIdLookup(probot),
      loginOf: accountLoginLookup(probot),
      log: { warn: (_o, m) => void warnings.push(m), error: (_o, m) => void errors.push(m) },
      logins: configuredLogins(config),
      accounts: configuredAccounts(config),
      retryMs: 60_000,
    });
    await sim.waitFor(() => errors.length >= 2, { message: "the written ids were not checked", timeoutMs: 10_000 });
    stop();
    expect(errors).toEqual([
      expect.stringContaining(`the server config names carol#${dave.id}, but GitHub account ${dave.id} is dave, not carol`),
      expect.stringContaining("the server config names nobody#987654321, and no GitHub account has the id 987654321"),
    ]);
    expect(warnings).toEqual([]);
  });
});
