import { mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { MAIN_TF, namedProjectFiles, namedRepo, workflows } from "./named-projects-support.js";
import { bot, completed, planRows, say, storeRows } from "./trust-holes-support.js";

// Issue #13: Atlantis' "custom backend config" pattern. Projects a and b share `.`/default; each
// workflow inits its own backend (-backend-config=path=…) and plans its own var file. Their
// locks and plans are keyed by project, so a PR on b is not blocked by a lock on a.

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  h = await startHarness({ serverConfig: 'apply_requirements: []\nallow_custom_workflows: ["acme/*"]\n' });
  // Inside the harness's sandbox path: tool runs may write their state only there.
  stateDir = await mkdtemp(join(h.stateDir, "sluice-named-"));
});
afterAll(async () => {
  await h?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** Each project's state file. */
const stateOf = (name: string) => join(stateDir, `${name}.tfstate`);

// c and d (never planned here) share a dir and the default init: the config warns about them.
const atlantisYaml = () => `version: 3
projects:
  - name: a
    dir: .
    workflow: a
    autoplan:
      when_modified: ["*.tf", "a.tfvars"]
  - name: b
    dir: .
    workflow: b
    autoplan:
      when_modified: ["*.tf", "b.tfvars"]
  - name: c
    dir: twins
    autoplan:
      enabled: false
  - name: d
    dir: twins
    autoplan:
      enabled: false
workflows:
${workflows(["a", "b"], stateOf)}`;

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

describe("issue #13: two named projects on one dir and workspace", () => {
  it("plans both, applies one by name, leaves the other's state alone; locks are per project", async () => {
    const name = "named-projects";
    const aState = join(stateDir, "a.tfstate");
    const bState = join(stateDir, "b.tfstate");
    const files = {
      "atlantis.yaml": atlantisYaml(),
      "main.tf": MAIN_TF,
      "a.tfvars": "n = 0\n",
      "b.tfvars": "n = 0\n",
      "twins/main.tf": "",
    };
    const repo = await namedRepo(h, name, files, ["alice", "bob", "carol"]);

    // PR 1 changes both var files: both projects are planned, each against its own backend.
    await h.sim.pushBranch(repo, { branch: "both", files: { "a.tfvars": "n = 1\n", "b.tfvars": "n = 2\n" } });
    const pr1 = await h.sim.openPullRequest(repo, { head: "both", author: "alice" });
    await completed(h, repo, pr1.headSha, "sluice/plan");
    const plan1 = bot(h, repo, pr1.number)
      .map((c) => c.body)
      .join("\n");
    expect(plan1).toContain("**`a`** (`.`, workspace `default`)");
    expect(plan1).toContain("**`b`** (`.`, workspace `default`)");
    expect(plan1).toMatch(/1 to add/);
    expect(plan1).toMatch(/2 to add/);
    expect(plan1).toContain(
      "projects c and d (dir twins, workspace default) run `init` with the same arguments, so they share one backend and one state",
    );
    const pending = planRows(h.app.dataDir, repo, pr1.number).filter((p) => p.status === "pending");
    expect(pending.map((p) => [p.project, p.dir, p.workspace]).sort()).toEqual([
      ["a", ".", "default"],
      ["b", ".", "default"],
    ]);

    // `/apply -p a`: a's state has its resource; b's backend was never written.
    const applied = await say(h, repo, pr1.number, "bob", "/apply -p a");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(aState), applied).toEqual(["terraform_data.item"]);
    expect(await exists(bState)).toBe(false);
    expect(planRows(h.app.dataDir, repo, pr1.number).find((p) => p.project === "b")?.status).toBe("pending");

    // PR 1 gives up b's lock (its plan is discarded) and keeps a's.
    const unlocked = await say(h, repo, pr1.number, "alice", "/unlock -p b");
    expect(unlocked).toContain("Released 1 lock");
    expect(unlocked).toContain("`b`");
    expect(planRows(h.app.dataDir, repo, pr1.number).find((p) => p.project === "b")?.status).toBe("superseded");

    // PR 2 changes only b's var file: b is planned although PR 1 holds a's lock on the same dir.
    await h.sim.pushBranch(repo, { branch: "only-b", files: { "b.tfvars": "n = 3\n" } });
    const pr2 = await h.sim.openPullRequest(repo, { head: "only-b", author: "carol" });
    await completed(h, repo, pr2.headSha, "sluice/plan");
    const plan2 = bot(h, repo, pr2.number)
      .map((c) => c.body)
      .join("\n");
    expect(plan2).toContain("**`b`** (`.`, workspace `default`)");
    expect(plan2).toMatch(/3 to add/);
    expect(plan2).not.toContain("locked by");
    expect(planRows(h.app.dataDir, repo, pr2.number).map((p) => [p.project, p.status])).toEqual([["b", "pending"]]);

    // PR 3 changes a's var file: a is PR 1's.
    await h.sim.pushBranch(repo, { branch: "only-a", files: { "a.tfvars": "n = 4\n" } });
    const pr3 = await h.sim.openPullRequest(repo, { head: "only-a", author: "carol" });
    await completed(h, repo, pr3.headSha, "sluice/plan");
    const plan3 = bot(h, repo, pr3.number)
      .map((c) => c.body)
      .join("\n");
    expect(plan3).toContain(`locked by #${pr1.number}`);
    expect(planRows(h.app.dataDir, repo, pr3.number)).toEqual([]);

    // Nothing PR 2 or 3 did touched a's applied state.
    expect(await stateResources(aState)).toEqual(["terraform_data.item"]);
  });

  it("each one's teardown is measured against its own state's trusted count, not the other's (attack: the other state's count caps nothing)", async () => {
    const name = "named-counts";
    const repo = await namedRepo(h, name, namedProjectFiles(["prod", "staging"], stateOf), ["alice", "bob", "carol"]);
    await h.sim.pushBranch(repo, { branch: "grow", files: { "prod.tfvars": "n = 4\n", "staging.tfvars": "n = 1\n" } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    // prod's read-back finds four, then staging's (the last apply on `.`/default) one.
    expect(await say(h, repo, pr.number, "bob", "/apply -p prod")).toMatch(/✅ applied/);
    expect(await say(h, repo, pr.number, "bob", "/apply -p staging")).toMatch(/✅ applied/);
    expect(await stateResources(join(stateDir, "prod.tfstate"))).toEqual(["terraform_data.item"]);

    // One of prod's four deleted is an ordinary change (it was measured as 1 of staging's 1).
    const planOf = (project: string) =>
      bot(h, repo, pr.number)
        .filter((c) => c.body.includes(`**\`${project}\`**`))
        .at(-1)?.body ?? "";
    const one = await h.sim.pushBranch(repo, { branch: "grow", files: { "prod.tfvars": "n = 3\n" } });
    await completed(h, repo, one, "sluice/plan");
    expect(planOf("prod")).toMatch(/1 to destroy/);
    expect(planOf("prod")).not.toContain("DESTROY PLAN");

    // Control: three of prod's four is a teardown.
    const three = await h.sim.pushBranch(repo, { branch: "grow", files: { "prod.tfvars": "n = 1\n" } });
    await completed(h, repo, three, "sluice/plan");
    expect(planOf("prod")).toContain("🧨 **DESTROY PLAN** (deletes 3 of the 4 resources this project's state holds");
  });

  it("one's teardown adds up its own earlier applies of the pull request, not the other's (a false teardown)", async () => {
    const name = "named-pr-sum";
    const repo = await namedRepo(h, name, namedProjectFiles(["live", "test"], stateOf), ["alice", "bob", "carol"]);
    await h.sim.pushBranch(repo, { branch: "grow", files: { "live.tfvars": "n = 4\n", "test.tfvars": "n = 4\n" } });
    const grow = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, grow.headSha, "sluice/plan");
    expect(await say(h, repo, grow.number, "bob", "/apply")).toMatch(/✅ applied/);
    await h.sim.closePullRequest(repo, grow.number);
    await h.sim.waitFor(() => storeRows(h.app.dataDir, "SELECT pr FROM locks WHERE repo = ?", `acme/${name}`).length === 0, {
      message: `#${grow.number} kept its locks`,
      timeoutMs: 30_000,
    });

    // Another pull request deletes two of test's four (half: ordinary), applied, then two of live's four.
    await h.sim.pushBranch(repo, { branch: "shrink", from: "grow", files: { "test.tfvars": "n = 2\n" } });
    const pr = await h.sim.openPullRequest(repo, { head: "shrink", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    expect(await say(h, repo, pr.number, "bob", "/apply -p test")).toMatch(/✅ applied/);
    const planOf = (project: string) =>
      bot(h, repo, pr.number)
        .filter((c) => c.body.includes(`**\`${project}\`**`))
        .at(-1)?.body ?? "";
    const half = await h.sim.pushBranch(repo, { branch: "shrink", files: { "live.tfvars": "n = 2\n" } });
    await completed(h, repo, half, "sluice/plan");
    expect(planOf("live")).toMatch(/2 to destroy/);
    expect(planOf("live")).not.toContain("DESTROY PLAN");

    // Control: three of live's four is a teardown.
    const three = await h.sim.pushBranch(repo, { branch: "shrink", files: { "live.tfvars": "n = 1\n" } });
    await completed(h, repo, three, "sluice/plan");
    expect(planOf("live")).toContain("🧨 **DESTROY PLAN** (deletes 3 of the 4 resources this project's state holds");
  });
});
