import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { completed } from "./trust-holes-support.js";

/**
 * Apply on merge judges the merged PR by the base branch's config as it was before the merge,
 * never by what the PR brought in. GitHub's "Rebase and merge" makes each of the PR's commits
 * anew on the base; the merge commit GitHub names is the last of them, so its first parent is the
 * base plus the PR's own earlier commits: a config change made there must not decide.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    serverConfig: "apply_on: merge\napply_requirements: [approved]\nallowed_overrides: [apply_requirements]\n",
  });
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

/** A PR of two commits, nobody's approval: the first loosens the config, the second grows `net`. */
async function loosenedPr(name: string) {
  const state = join(h.stateDir, `${name}.tfstate`);
  h.sim.setPermission(`acme/${name}`, "mallory", "write");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": config("[approved]"), "net/main.tf": statefulProject("net", state, 0) },
  });
  await h.sim.pushBranch(repo, { branch: "grow", files: { ".sluice.yaml": config("[]") } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "mallory" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr, state };
}

describe("apply on merge and the trusted config", { timeout: 300_000 }, () => {
  it("a rebase merge is judged by the base before the merge, not by the PR's own earlier commit (control: a merge commit, the same)", async () => {
    const control = await loosenedPr("merge-commit-config");
    await h.sim.mergePullRequest(control.repo, control.pr.number, { method: "merge" });
    expect((await completed(h, control.repo, control.pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    expect(await stateResources(control.state)).toEqual([]);

    const { repo, pr, state } = await loosenedPr("rebase-merge-config");
    await h.sim.mergePullRequest(repo, pr.number, { method: "rebase" });
    const check = await completed(h, repo, pr.headSha, "sluice/apply");
    expect(await stateResources(state)).toEqual([]);
    expect(check.conclusion).toBe("failure");
  });

  it("control: an approved PR of several commits is applied on a rebase merge, and on a squash", async () => {
    for (const method of ["rebase", "squash"] as const) {
      const { repo, pr, state } = await loosenedPr(`approved-${method}`);
      h.sim.setPermission(repo, "bob", "write");
      await h.sim.approve(repo, pr.number, "bob");
      await h.sim.mergePullRequest(repo, pr.number, { method });
      expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("success");
      expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    }
  });
});
