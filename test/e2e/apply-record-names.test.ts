import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { storeRows } from "../support/previews.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * An apply is recorded (its live record, which drift checks and `idle_ttl` read by name, and its
 * GitHub Deployment, whose environment deployment workflows and auditors go by) under the
 * project's trusted name, never only the name a pull request gives it.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const config = (projects: [string, string][]) =>
  `version: 1\nprojects:\n${projects.map(([name, dir]) => `  - name: ${name}\n    dir: ${dir}\n`).join("")}`;

let n = 0;
async function pr(change: (state: (dir: string) => string) => Record<string, string>) {
  const name = `records-${++n}`;
  const state = (dir: string) => join(h.stateDir, `${name}-${dir}.tfstate`);
  h.sim.setPermission(`acme/${name}`, "alice", "write");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: {
      ".sluice.yaml": config([
        ["staging", "stg"],
        ["production", "prod"],
      ]),
      "stg/main.tf": statefulProject("stg", state("stg"), 0),
      "prod/main.tf": statefulProject("prod", state("prod"), 0),
    },
  });
  await h.sim.pushBranch(repo, { branch: "change", files: change(state) });
  const opened = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await completed(h, repo, opened.headSha, "sluice/plan");
  const reply = await say(h, repo, opened.number, "alice", "/apply");
  const live = storeRows<{ project: string; dir: string }>(h, "SELECT project, dir FROM live_applies WHERE repo = ?", repo.fullName);
  return { reply, live, environments: h.sim.deployments(repo).map((d) => d.environment), state };
}

describe("the name an apply is recorded under", { timeout: 300_000 }, () => {
  it("a PR that renames staging's project to production deploys to staging's environment (control: production's own change deploys to production)", async () => {
    const renamed = await pr((state) => ({
      ".sluice.yaml": config([["production", "stg"]]),
      "stg/main.tf": statefulProject("stg", state("stg"), 1),
    }));
    expect(await stateResources(renamed.state("stg")), renamed.reply).toEqual(["terraform_data.stg_0"]);
    expect(renamed.environments).toEqual(["staging"]);
    expect(renamed.live).toEqual([{ project: "staging", dir: "stg" }]);

    const control = await pr((state) => ({ "prod/main.tf": statefulProject("prod", state("prod"), 1) }));
    expect(await stateResources(control.state("prod")), control.reply).toEqual(["terraform_data.prod_0"]);
    expect(control.environments).toEqual(["production"]);
  });

  it("a new project named like an existing one is recorded apart from it", async () => {
    const added = await pr((state) => ({
      // Production's own project left out of the PR's config, its name given to a new dir.
      ".sluice.yaml": config([
        ["staging", "stg"],
        ["production", "evil"],
      ]),
      "evil/main.tf": statefulProject("evil", state("evil"), 1),
    }));
    expect(await stateResources(added.state("evil")), added.reply).toEqual(["terraform_data.evil_0"]);
    expect(added.environments).toEqual(["production (new: dir evil)"]);
    expect(added.live).toEqual([{ project: "production (new: dir evil)", dir: "evil" }]);
  });
});
