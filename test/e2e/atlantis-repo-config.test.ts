import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureFiles } from "../support/fixture-files.js";
import { type Harness, startHarness } from "../support/harness.js";
import { bot, completed, say } from "./trust-holes-support.js";

// Atlantis' end-to-end case "server-side cfg", its repos.yaml given unchanged through
// ATLANTIS_REPO_CONFIG: a server workflow `custom` by default, `staging` picked by the repo's
// atlantis.yaml for one project (allowed_overrides: [workflow], allowed_workflows unset),
// pre and post workflow hooks. Atlantis plans both projects and applies each; so must Sluice.
const CASE = join(import.meta.dirname, "../fixtures/atlantis-server-side-cfg");
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { ATLANTIS_REPO_CONFIG: join(CASE, "repos.yaml") } });
  h.sim.addUser("alice");
  h.sim.setPermission("runatlantis/atlantis-tests", "alice", "write");
});
afterAll(async () => {
  await h?.stop();
});

describe("ATLANTIS_REPO_CONFIG: Atlantis' server-side cfg case", () => {
  it("plans both projects with their server workflows and applies each workspace", async () => {
    const files = await fixtureFiles(CASE, ".");
    const repoFiles = Object.fromEntries(
      Object.entries(files)
        .filter(([p]) => p === "./atlantis.yaml" || p === "./main.tf")
        .map(([p, t]) => [p.slice(2), t]),
    );
    const repo = await h.sim.createRepo({ owner: "runatlantis", name: "atlantis-tests", files: repoFiles });
    const main = await readFile(join(CASE, "main.tf"), "utf8");
    const head = await h.sim.pushBranch(repo, { branch: "change", files: { "main.tf": `${main}\n# changed\n` } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    const check = await completed(h, repo, head, "sluice/plan");
    const plan = bot(h, repo, pr.number)[0]?.body ?? "";
    expect(check.conclusion, plan).toBe("success");
    // Both projects, each with its workflow's run steps (as Atlantis' expected output shows them).
    expect(plan).not.toContain("is not a server workflow");
    expect(plan).toContain("preinit custom");
    expect(plan).toContain("postplan custom");
    expect(plan).toContain("preinit staging");
    expect(plan.match(/Plan: 1 to add, 0 to change, 0 to destroy/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(h.app.output()).not.toContain("is not supported by Sluice");

    const staging = await say(h, repo, pr.number, "alice", "atlantis apply -w staging");
    expect(staging).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    expect(staging).toContain('workspace = "staging"');
    const dflt = await say(h, repo, pr.number, "alice", "atlantis apply -w default");
    expect(dflt).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    expect(dflt).toContain('workspace = "default"');
  }, 240_000);
});
