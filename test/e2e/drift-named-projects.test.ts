import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { namedRepo, prodAndStaging } from "./named-projects-support.js";
import { completed, say } from "./trust-holes-support.js";

// A drift check skips a project a pull request applied and has not merged (it legitimately differs
// from the default branch). Of two base-branch projects sharing a dir and workspace (each its own
// backend, told apart by name), that is the one the pull request applied: asked by dir and
// workspace, a PR that applied staging had prod's drift skipped too, unreported while it was open.

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  h = await startHarness({ serverConfig: 'apply_requirements: []\nallow_custom_workflows: ["acme/*"]\n' });
  // Inside the harness's sandbox path: tool runs may write their state only there.
  stateDir = await mkdtemp(join(h.stateDir, "sluice-drift-named-"));
});
afterAll(async () => {
  await h?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** acme/NAME: prod and staging on `.`/default, each its own backend (a state file of the repo and the project). */
const prodAndStagingRepo = (name: string) => namedRepo(h, name, prodAndStaging(stateDir, name));

/** A pull request of `files`, planned, then `/apply -p PROJECT`ed. */
async function appliedPr(
  repo: Awaited<ReturnType<typeof prodAndStagingRepo>>,
  branch: string,
  files: Record<string, string>,
  project: string,
) {
  await h.sim.pushBranch(repo, { branch, files });
  const pr = await h.sim.openPullRequest(repo, { head: branch, author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  const plan = h.sim
    .comments(repo, pr.number)
    .map((c) => c.body)
    .join("\n");
  expect(await say(h, repo, pr.number, "bob", `/apply -p ${project}`), plan).toMatch(/✅ applied/);
  return pr;
}

describe("drift of named projects on one dir and workspace while a pull request applied one", () => {
  it("staging applied by an open PR whose prod plan failed: staging is skipped, prod is checked (and in line)", async () => {
    const name = "drift-named";
    const repo = await prodAndStagingRepo(name);
    const pr = await appliedPr(repo, "grow-staging", { "staging.tfvars": "n = 1\n", "prod.tfvars": 'n = "many"\n' }, "staging");
    expect(await stateResources(join(stateDir, `${name}-staging.tfstate`))).toEqual(["terraform_data.item"]);

    const prod = await say(h, repo, pr.number, "alice", "/drift -p prod", "Drift check");
    expect(prod).not.toContain("applied, not merged yet");
    expect(prod).toContain("No drift in 1 project");

    // Control: the project the pull request did apply is skipped.
    const staging = await say(h, repo, pr.number, "alice", "/drift -p staging", "Drift check");
    expect(staging).toContain(`#${pr.number} applied, not merged yet`);
  });

  it("prod applied by a later PR while an earlier one holds staging's lock: prod is skipped as the later PR's", async () => {
    const name = "drift-named-two";
    const repo = await prodAndStagingRepo(name);
    const earlier = await appliedPr(repo, "grow-staging", { "staging.tfvars": "n = 1\n" }, "staging");
    // Both were planned (a change to either var file plans both): prod's lock is let go, staging's kept.
    expect(await say(h, repo, earlier.number, "alice", "/unlock -p prod")).toContain("Released 1 lock");
    const later = await appliedPr(repo, "grow-prod", { "prod.tfvars": "n = 1\n" }, "prod");
    expect(await stateResources(join(stateDir, `${name}-prod.tfstate`))).toEqual(["terraform_data.item"]);
    const prod = await say(h, repo, later.number, "alice", "/drift -p prod", "Drift check");
    expect(prod).toContain(`#${later.number} applied, not merged yet`);
  });

  it("prod applied by #1, let go, applied by #2 and let go, #1 planning again: prod's drift is checked, not skipped as #1's", async () => {
    const name = "drift-named-replaced";
    const repo = await prodAndStagingRepo(name);
    const first = await appliedPr(repo, "grow-prod", { "prod.tfvars": "n = 1\n" }, "prod");
    expect(await say(h, repo, first.number, "alice", "/unlock")).toContain("Released");
    const second = await appliedPr(repo, "grow-prod-more", { "prod.tfvars": "n = 2\n" }, "prod");
    expect(await say(h, repo, second.number, "alice", "/unlock")).toContain("Released");
    // Live now: #2's two items, not in git. #1 takes prod's lock again; its apply was long replaced.
    expect(await say(h, repo, first.number, "alice", "/plan -p prod")).toContain("prod");
    const prod = await say(h, repo, first.number, "alice", "/drift -p prod", "Drift check");
    expect(prod).not.toContain("applied, not merged yet");
    expect(prod).toContain("Drift in 1 of 1 project");
  });
});
