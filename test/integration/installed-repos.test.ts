import type { Probot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listInstalledRepos } from "../../src/vcs/github/installed-repos.js";
import { startSimulator, type Simulator } from "../simulator/github-simulator.js";
import { simulatorProbot } from "../support/simulator-probot.js";

describe("listInstalledRepos (drift enrollment's list of every installed repository)", () => {
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

  it("lists the repositories of every active installation", async () => {
    const repos = await listInstalledRepos(probot);
    expect(repos.map((r) => `${r.installationId} ${r.repo.owner}/${r.repo.name}`)).toEqual([`${sim.installationId} acme/infra`]);
  });

  it("skips an installation its owner suspended: the other accounts' repositories are still listed", async () => {
    // GitHub lists a suspended installation and refuses its token (403): one account suspending
    // the app stopped every account's drift schedules.
    sim.addSuspendedInstallation("globex");
    const repos = await listInstalledRepos(probot);
    expect(repos.map((r) => `${r.installationId} ${r.repo.owner}/${r.repo.name}`)).toEqual([`${sim.installationId} acme/infra`]);
  });
});
