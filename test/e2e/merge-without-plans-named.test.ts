import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";
import { namedRepo, prodAndStaging } from "./named-projects-support.js";
import { bot, completed, say } from "./trust-holes-support.js";

// Apply on merge with no plan waiting, of two base-branch projects sharing a dir and workspace
// (each its own backend, told apart by name): the one the pull request applied before the merge
// says nothing of the other. Asked by dir and workspace, the other (its plan failed) was taken
// for applied and left out of the merge's "not applied" note: its merged change unsaid, not live.

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  h = await startHarness({ serverConfig: 'apply_on: merge\nallow_custom_workflows: ["acme/*"]\n' });
  // Inside the harness's sandbox path: tool runs may write their state only there.
  stateDir = await mkdtemp(join(h.stateDir, "sluice-merged-named-"));
});
afterAll(async () => {
  await h?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** A PR changing both projects' var files, each planned, then `/apply`ed as `applies` say, then merged. */
async function mergedAfter(name: string, staging: string, applies: string[]) {
  // prod and staging on `.`/default, each its own backend (a state file of the repo and the project).
  const repo = await namedRepo(h, name, prodAndStaging(stateDir, name));
  await h.sim.pushBranch(repo, { branch: "change", files: { "prod.tfvars": "n = 1\n", "staging.tfvars": staging } });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "bob");
  const applied = [];
  for (const command of applies) applied.push(await say(h, repo, pr.number, "bob", command));
  await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
  await untilIdle(h.app.dataDir, 90_000, repo);
  const said = bot(h, repo, pr.number).map((c) => c.body);
  return { said, applied, prodState: join(stateDir, `${name}-prod.tfstate`) };
}

describe("apply on merge with no plan waiting, of named projects on one dir and workspace", () => {
  it("prod applied before the merge, staging's plan failed: staging is said to be not live", async () => {
    const r = await mergedAfter("merged-named-sibling", 'n = "many"\n', ["/apply -p prod"]);
    expect(r.applied[0]).toMatch(/✅ applied/);
    expect(await stateResources(r.prodState)).toEqual(["terraform_data.item"]);
    const note = r.said.find((b) => b.includes("Nothing was applied at merge")) ?? "";
    expect(note, r.said.join("\n---\n")).toContain("no plan of this pull request was waiting to be applied for `staging`");
    expect(note).not.toContain("`prod`");
  }, 300_000);

  it("prod applied by #1, let go, then applied by #2 and merged: #1's merge says prod (and staging, #2's merge applied it) is not live", async () => {
    const name = "merged-named-replaced";
    const repo = await namedRepo(h, name, prodAndStaging(stateDir, name));
    // #1 adds an output to both projects and applies them, then lets go of their locks.
    await h.sim.pushBranch(repo, { branch: "first", files: { "one.tf": 'output "one" {\n  value = 1\n}\n' } });
    const first = await h.sim.openPullRequest(repo, { head: "first", author: "alice" });
    await completed(h, repo, first.headSha, "sluice/plan");
    await h.sim.approve(repo, first.number, "bob");
    expect(await say(h, repo, first.number, "bob", "/apply")).toMatch(/✅ applied/);
    expect(await say(h, repo, first.number, "alice", "/unlock")).toContain("Released");
    // #2, without #1's output, applies prod and is merged: what is live of prod is #2's.
    await h.sim.pushBranch(repo, { branch: "second", files: { "prod.tfvars": "n = 2\n" } });
    const second = await h.sim.openPullRequest(repo, { head: "second", author: "alice" });
    await completed(h, repo, second.headSha, "sluice/plan");
    await h.sim.approve(repo, second.number, "bob");
    expect(await say(h, repo, second.number, "bob", "/apply -p prod")).toMatch(/✅ applied/);
    await h.sim.mergePullRequest(repo, second.number, { user: "bob" });
    await untilIdle(h.app.dataDir, 90_000, repo);
    // #1 merged: its output is in git, not in prod's live state.
    await h.sim.mergePullRequest(repo, first.number, { user: "bob" });
    await untilIdle(h.app.dataDir, 90_000, repo);
    const said = bot(h, repo, first.number).map((c) => c.body);
    const note = said.find((b) => b.includes("Nothing was applied at merge")) ?? "";
    // staging too: #2's merge applied its waiting plan (#2's code, without #1's output).
    expect(note, said.join("\n---\n")).toContain("waiting to be applied for `prod`, `staging`");
  }, 300_000);

  it("control: both applied before the merge: nothing is said to be missing", async () => {
    const r = await mergedAfter("merged-named-both", "n = 2\n", ["/apply -p prod", "/apply -p staging"]);
    expect(r.applied.map((b) => /✅ applied/.test(b))).toEqual([true, true]);
    expect(r.said.filter((b) => b.includes("Nothing was applied"))).toEqual([]);
  }, 300_000);
});
