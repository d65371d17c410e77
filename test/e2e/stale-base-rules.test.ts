import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * GitHub's `base.sha` of a pull request is the base branch's tip when the PR was opened, not its
 * tip now (github/docs#431; the simulator answers so). A PR opened before the default branch
 * tightened its rules must be judged by the rules as they are, not by the commit it forked from:
 * the trusted config, its projects and its requirements are read at the base branch's tip.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\nallowed_overrides: [apply_requirements]\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const config = (requirements: string) => `version: 1
projects:
  - name: net
    dir: net
    apply_requirements: ${requirements}
`;

/** mallory's PR growing `net`, opened while the default branch asked for nothing; then main requires approvals. */
async function prOpenedBeforeTightening(name: string) {
  const state = join(h.stateDir, `${name}.tfstate`);
  for (const u of ["mallory", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": config("[]"), "net/main.tf": statefulProject("net", state, 0) },
  });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "mallory" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await h.sim.pushBranch(repo, { branch: "main", files: { ".sluice.yaml": config("[approved]") } });
  // The PR as GitHub shows it still names the commit it was opened on.
  const shown = await fetch(`${h.sim.url}/api/v3/repos/acme/${name}/pulls/${pr.number}`, {
    headers: { authorization: `token ${h.sim.mintToken()}` },
  });
  expect(((await shown.json()) as { base: { sha: string } }).base.sha).toBe(pr.baseSha);
  expect(await say(h, repo, pr.number, "mallory", "/plan")).toContain("Plan");
  return { repo, pr, state };
}

describe("a pull request opened before its base branch tightened the rules", { timeout: 300_000 }, () => {
  it("attack: is judged by the base branch's rules now, not by the commit it was opened on", async () => {
    const { repo, pr, state } = await prOpenedBeforeTightening("stale-base-unapproved");
    const reply = await say(h, repo, pr.number, "mallory", "/apply");
    expect(reply).toContain("approv");
    expect(await stateResources(state)).toEqual([]);
  });

  it("control: approved as the rules now ask, it applies", async () => {
    const { repo, pr, state } = await prOpenedBeforeTightening("stale-base-approved");
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await say(h, repo, pr.number, "mallory", "/apply");
    expect(reply).not.toContain("⛔");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });
});
