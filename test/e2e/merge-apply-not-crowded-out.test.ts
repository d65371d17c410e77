import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

// The apply on merge runs once and never late: an `/apply` commented on the pull request just
// after its merge must not take the pull request's apply slot and make the merge's apply give up.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_on: merge\n" });
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

function hold(method: string, pathPattern: RegExp) {
  let release = () => {};
  let held = false;
  h.sim.failNext({
    method,
    pathPattern,
    holdUntil: new Promise<void>((r) => {
      release = r;
    }),
    onHeld: () => {
      held = true;
    },
  });
  return { release: () => release(), held: () => held };
}

describe("apply on merge beside an `/apply` on the merged pull request", () => {
  it("the merge's apply runs while the late `/apply` is refused as closed", async () => {
    const name = "merge-crowded";
    for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
    const state = join(h.stateDir, `${name}.tfstate`);
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await untilIdle(h.app.dataDir, 90_000, repo);
    await h.sim.approve(repo, pr.number, "bob");
    // The merge's apply is slow to read the pull request; bob comments `/apply` meanwhile, and
    // that job's answer is slow to reach GitHub.
    const mergeRead = hold("GET", new RegExp(`^/repos/${repo.fullName}/pulls/${pr.number}$`));
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    await h.sim.waitFor(mergeRead.held, { message: "the merge's apply never read the PR", timeoutMs: 60_000 });
    const lateAnswer = hold("PATCH", new RegExp(`^/repos/${repo.fullName}/issues/comments/\\d+$`));
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(lateAnswer.held, { message: "the late /apply never answered", timeoutMs: 60_000 });
    mergeRead.release();
    // The merge's apply has its answer: it ran, or it gave up to the late `/apply`.
    const mergeAnswered = () =>
      bot(repo, pr.number).some((c) => c.body.includes("An apply is already in progress")) ||
      h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/apply" && c.conclusion === "success");
    await h.sim.waitFor(mergeAnswered, { message: "the merge's apply never answered", timeoutMs: 90_000 });
    lateAnswer.release();
    await untilIdle(h.app.dataDir, 90_000, repo);
    const said = bot(repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(said).not.toContain("An apply is already in progress");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    expect(said).toContain("This pull request is closed: nothing was applied.");
  }, 240_000);
});
