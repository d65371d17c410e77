import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_on: merge\napply_requirements: [approved]\n" });
  stateDir = h.stateDir;
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function completed(repo: Repo, sha: string, name: string) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === name && c.status === "completed"), {
    message: `no completed ${name}`,
    timeoutMs: 60_000,
  });
  return h.sim.checkRuns(repo, sha).find((c) => c.name === name && c.status === "completed") as ReturnType<
    Harness["sim"]["checkRuns"]
  >[number];
}

async function approvedPr(name: string) {
  const state = join(stateDir, `${name}.tfstate`);
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const files = { "net/main.tf": statefulProject("net", state, 0), "app/main.tf": tfProject("app") };
  const repo = await h.sim.createRepo({ owner: "acme", name, files });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completed(repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "bob");
  return { repo, pr, state };
}

describe("apply_on: merge", () => {
  it("merging applies the saved plan when the merged tree is the planned tree", async () => {
    const { repo, pr, state } = await approvedPr("merge-same");
    await h.sim.mergePullRequest(repo, pr.number);
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("success");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    expect(bot(repo, pr.number)[1]?.body).toContain("apply on merge");
  });

  it("a merge whose tree differs is planned again and applied when the changes match", async () => {
    const { repo, pr, state } = await approvedPr("merge-unrelated");
    // The base moved on in another project: the merge commit's tree differs from the PR head's.
    await h.sim.pushBranch(repo, { branch: "main", files: { "app/main.tf": tfProject("app", 2) } });
    await h.sim.mergePullRequest(repo, pr.number);
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("success");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("a merge that would change other resources than the approved plan is not applied, and says why", async () => {
    const { repo, pr, state } = await approvedPr("merge-differs");
    await h.sim.pushBranch(repo, { branch: "main", files: { "net/extra.tf": tfProject("surprise") } });
    await h.sim.mergePullRequest(repo, pr.number);
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("failure");
    const reply = bot(repo, pr.number)[1]?.body ?? "";
    expect(reply).toContain("other changes than the approved plan");
    expect(reply).toContain("terraform_data.surprise_0");
    expect(await stateResources(state)).toEqual([]);
  });
});
