import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

// Apply on merge of a pull request with no plan waiting: a merge that changes no project, or
// whose projects were applied before it, is no refusal; one whose changes no plan was waiting
// for says which projects are not live (never "comment /plan" on a merged pull request).

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_on: merge\n" });
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");
const applyChecks = (repo: Repo, sha: string) => h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/apply");

async function mergedPr(name: string, files: Record<string, string>, before?: (repo: Repo, pr: number) => Promise<void>) {
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const state = join(h.stateDir, `${name}.tfstate`);
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "change", files });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await untilIdle(h.app.dataDir, 90_000, repo);
  await before?.(repo, pr.number);
  await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
  await untilIdle(h.app.dataDir, 90_000, repo);
  return { repo, pr, state };
}

describe("apply on merge with no plan waiting", () => {
  it("a merge that changes no project says nothing and leaves no failed sluice/apply check", async () => {
    const { repo, pr } = await mergedPr("docs-only", { "README.md": "docs\n" });
    expect(bot(repo, pr.number).map((c) => c.body)).not.toContainEqual(expect.stringContaining("Nothing to apply"));
    expect(applyChecks(repo, pr.headSha)).toEqual([]);
  }, 180_000);

  it("a merge whose project's plan failed says the project's changes are not live", async () => {
    const { repo, pr } = await mergedPr("plan-failed", { "net/main.tf": `${tfProject("net")}\nresource "terraform_data" {\n` });
    const said = bot(repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(said).toContain("no plan of this pull request was waiting to be applied for `net`");
    expect(said).not.toContain("Comment `/plan` first");
    expect(applyChecks(repo, pr.headSha).map((c) => c.conclusion)).toEqual(["failure"]);
  }, 180_000);

  it("a project applied by `/apply` before the merge is not said to be missing, nor refused", async () => {
    const { repo, pr, state } = await mergedPr(
      "applied-before",
      { "net/main.tf": statefulProject("net", join(h.stateDir, "applied-before.tfstate"), 2) },
      async (repo, pr) => {
        await h.sim.approve(repo, pr, "bob");
        await h.sim.comment(repo, pr, { user: "bob", body: "/apply" });
        await untilIdle(h.app.dataDir, 90_000, repo);
      },
    );
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    const said = bot(repo, pr.number).map((c) => c.body);
    expect(said.filter((b) => b.includes("Nothing"))).toEqual([]);
    expect(applyChecks(repo, pr.headSha).map((c) => c.conclusion)).toEqual(["success"]);
  }, 180_000);

  it("a project applied before a later push whose plan failed is said to be not live", async () => {
    const state = join(h.stateDir, "applied-then-pushed.tfstate");
    const { repo, pr } = await mergedPr("applied-then-pushed", { "net/main.tf": statefulProject("net", state, 2) }, async (repo, pr) => {
      await h.sim.approve(repo, pr, "bob");
      await h.sim.comment(repo, pr, { user: "bob", body: "/apply" });
      await untilIdle(h.app.dataDir, 90_000, repo);
      // A later change to net, whose plan fails: it is merged, never applied.
      await h.sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": `${tfProject("net")}\nresource "terraform_data" {\n` } });
      await untilIdle(h.app.dataDir, 90_000, repo);
    });
    const head = h.sim.pullRequest(repo, pr.number).headSha;
    expect(head).not.toBe(pr.headSha);
    const said = bot(repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(said).toContain("no plan of this pull request was waiting to be applied for `net`");
    expect(applyChecks(repo, head).map((c) => c.conclusion)).toEqual(["failure"]);
  }, 180_000);
});
