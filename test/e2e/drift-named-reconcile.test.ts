import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { namedRepo, prodAndStaging } from "./named-projects-support.js";
import { bot, completed, say } from "./trust-holes-support.js";

// Of two base-branch projects sharing a dir and workspace (each its own backend, told apart by
// name), a pull request may hold one's lock while the other is applied, by another pull request
// or by a drift reconcile. The reconcile's gate read any lock at the dir and workspace: prod's
// drift was not reconciled (by `/apply` on its issue, or `on_drift: apply`) while a PR held staging's.

let h: Harness;
let stateDir: string;
let n = 0;
beforeAll(async () => {
  h = await startHarness({ serverConfig: 'apply_requirements: []\nallow_custom_workflows: ["acme/*"]\nallowed_overrides: [drift]\n' });
  // Inside the harness's sandbox path: tool runs may write their state only there.
  stateDir = await mkdtemp(join(h.stateDir, "sluice-drift-reconcile-"));
});
afterAll(async () => {
  await h?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/**
 * prod and staging on `.`/default, each its own backend; prod has one item in git and none applied
 * (drift). With `reconcile`, the same projects in a `.sluice.yaml` saying `on_drift: apply`.
 * A pull request changing staging.tfvars plans both (their dir is one); `/unlock -p RELEASED` leaves
 * it holding the other's lock.
 */
async function driftWhileLocked(released: "prod" | "staging", reconcile: boolean) {
  const name = `drift-named-reconcile-${++n}`;
  const prodState = join(stateDir, `${name}-prod.tfstate`);
  const files = prodAndStaging(stateDir, name);
  files["prod.tfvars"] = "n = 1\n";
  if (reconcile) {
    files[".sluice.yaml"] = `${files["atlantis.yaml"]?.replace("version: 3", "version: 1")}drift: { on_drift: apply }\n`;
    delete files["atlantis.yaml"];
  }
  const repo = await namedRepo(h, name, files);
  await h.sim.pushBranch(repo, { branch: "grow-staging", files: { "staging.tfvars": "n = 2\n" } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow-staging", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  expect(await say(h, repo, pr.number, "alice", `/unlock -p ${released}`)).toContain("Released 1 lock");
  const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
  const check = await say(h, repo, ops.number, "alice", "/drift -p prod", "Drift check");
  return { repo, pr, prodState, check };
}

/** `/apply` by bob on prod's drift issue, and Sluice's answer. */
async function applyOnIssue(repo: Awaited<ReturnType<typeof driftWhileLocked>>["repo"]) {
  await h.sim.waitFor(() => h.sim.issues(repo).some((i) => i.title === "Drift: project prod"), { message: "no drift issue of prod" });
  const issue = h.sim.issues(repo).find((i) => i.title === "Drift: project prod") as ReturnType<Harness["sim"]["issues"]>[number];
  await h.sim.comment(repo, issue.number, { user: "bob", body: "/apply" });
  const answer = () => bot(h, repo, issue.number).find((c) => /Applied the plan|Nothing was applied/.test(c.body))?.body;
  await h.sim.waitFor(() => answer() !== undefined, { message: "no answer to /apply", timeoutMs: 120_000 });
  return answer() ?? "";
}

describe("a drift reconcile of a named project while a pull request holds a lock on its dir and workspace", () => {
  it("/apply on prod's drift issue applies prod while a PR holds staging's lock", async () => {
    const { repo, prodState } = await driftWhileLocked("prod", false);
    const reply = await applyOnIssue(repo);
    expect(reply).toContain("Applied the plan of `prod`");
    expect(await stateResources(prodState)).toEqual(["terraform_data.item"]);
  });

  it("control: /apply on prod's drift issue is refused while a PR holds prod's own lock", async () => {
    const { repo, pr, prodState } = await driftWhileLocked("staging", false);
    const reply = await applyOnIssue(repo);
    expect(reply).toContain(`#${pr.number} holds the project's lock`);
    expect(reply).toContain("Nothing was applied");
    expect(await stateResources(prodState)).toEqual([]);
  });

  it("on_drift: apply reconciles prod while a PR holds staging's lock", async () => {
    const { check, prodState } = await driftWhileLocked("prod", true);
    expect(check).not.toContain("not reconciled");
    expect(await stateResources(prodState)).toEqual(["terraform_data.item"]);
  });

  it("control: on_drift: apply does not reconcile prod while a PR holds prod's own lock", async () => {
    const { check, pr, prodState } = await driftWhileLocked("staging", true);
    // The number is escaped in the table (not a link to an issue).
    expect(check).toContain("not reconciled, ⛔ refused:");
    expect(check).toContain(`${pr.number} holds the project's lock`);
    expect(await stateResources(prodState)).toEqual([]);
  });
});
