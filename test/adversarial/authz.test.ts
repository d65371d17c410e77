import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { botComments, completedCheck, effects, nextReply, type Repo, settle } from "./support.js";

// Who may make Sluice act. One app, allowlisted to acme/*, with the default apply requirements
// (an approval from someone with write access who is not the author, and a mergeable PR).

let h: Harness;
let stateDir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness({ serverConfig: 'repos: ["acme/*"]\n' });
  stateDir = h.stateDir;
});
afterAll(async () => {
  await h?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const ROLES = [
  ["alice", "write"],
  ["bob", "write"],
  ["rita", "read"],
  ["tina", "triage"],
  ["mallory", "none"],
] as const;

async function plannedPr() {
  n++;
  const name = `authz-${n}`;
  for (const [user, role] of ROLES) h.sim.setPermission(`acme/${name}`, user, role);
  const state = join(stateDir, `${name}.tfstate`);
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr, state };
}

async function say(repo: Repo, pr: number, user: string, body: string): Promise<string> {
  const before = botComments(h, repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  return nextReply(h, repo, pr, before);
}

describe("who may apply", () => {
  it("read and triage users are refused; the author's and a triage user's approvals do not count", async () => {
    const { repo, pr, state } = await plannedPr();
    await h.sim.approve(repo, pr.number, "alice");
    await h.sim.approve(repo, pr.number, "tina");
    // A writer applies: neither approval counts, so one is still missing.
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("needs 1 more approval");
    // With an approval that counts, read and triage users still may not apply.
    await h.sim.approve(repo, pr.number, "bob");
    expect(await say(repo, pr.number, "rita", "/apply")).toContain("needs write access to this repository to apply (has read access)");
    expect(await say(repo, pr.number, "tina", "/apply")).toContain("needs write access to this repository to apply (has triage access)");
    expect(await say(repo, pr.number, "mallory", "sluice apply")).toContain(
      "needs write access to this repository to apply (has no access)",
    );
    expect(await stateResources(state)).toEqual([]);
    // Control: the same plan does apply for a writer once a real approval is there.
    expect(await say(repo, pr.number, "alice", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("an approval does not survive a push: approve, push more, apply is refused", async () => {
    const { repo, pr, state } = await plannedPr();
    await h.sim.approve(repo, pr.number, "bob");
    const pushed = await h.sim.pushToPullRequest(repo, pr.number, { "net/extra.tf": tfProject("sneaky") });
    await completedCheck(h, repo, pushed.headSha, "sluice/plan");
    expect(await say(repo, pr.number, "alice", "/apply")).toContain("needs 1 more approval of the current commit");
    expect(await stateResources(state)).toEqual([]);
  });
});

describe("who may drive Sluice at all", () => {
  it("bots are ignored, whatever their access: no job, no reply, no reaction", async () => {
    const { repo, pr, state } = await plannedPr();
    await h.sim.approve(repo, pr.number, "bob");
    h.sim.addUser("deploy[bot]", { type: "Bot" });
    h.sim.addUser("ci-robot", { type: "Bot" });
    h.sim.setPermission(repo, "deploy[bot]", "admin");
    h.sim.setPermission(repo, "ci-robot", "admin");
    await settle(h);
    const before = effects(h);
    const comments = botComments(h, repo, pr.number).length;
    const ids: number[] = [];
    for (const user of ["deploy[bot]", "ci-robot"]) {
      for (const body of ["/apply", "/plan", "/unlock", "/help", "/bogus"]) {
        const { commentId, delivery } = await h.sim.comment(repo, pr.number, { user, body });
        expect(delivery.status).toBe(202);
        ids.push(commentId);
      }
    }
    await settle(h);
    expect(effects(h)).toEqual(before);
    expect(botComments(h, repo, pr.number)).toHaveLength(comments);
    for (const id of ids) expect(h.sim.reactions(id)).toEqual([]);
    expect(await stateResources(state)).toEqual([]);
  });

  it("a pull request from a fork is not planned under the default policy, by autoplan or by /plan", async () => {
    n++;
    const name = `authz-${n}`;
    for (const [user, role] of ROLES) h.sim.setPermission(`acme/${name}`, user, role);
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": tfProject("net") } });
    // What a fork would run at plan time, if it were planned.
    await h.sim.pushBranch(repo, { branch: "fork-change", files: { "net/main.tf": tfProject("net", 3) } });
    const fetches = h.sim.gitFetches.length;
    const plansBefore = effects(h).plans;
    const pr = await h.sim.openPullRequest(repo, { head: "fork-change", author: "mallory", headRepo: "mallory/infra" });
    expect(h.sim.pullRequest(repo, pr.number).headRepoFullName).toBe("mallory/infra");
    const autoplan = await nextReply(h, repo, pr.number, 0);
    expect(autoplan).toContain("comes from a fork");
    // A maintainer asking explicitly does not change the server's policy.
    expect(await say(repo, pr.number, "bob", "/plan")).toContain("comes from a fork");
    // Never even cloned.
    expect(h.sim.gitFetches.slice(fetches).filter((f) => f.repo.includes(name))).toEqual([]);
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("Nothing to apply");
    for (const c of botComments(h, repo, pr.number)) expect(c.body).not.toContain("terraform_data.net_");
    expect(effects(h).plans).toBe(plansBefore);
  });

  it("repositories outside the server's allowlist get nothing: no token is minted, nothing is posted", async () => {
    await settle(h);
    const before = effects(h);
    const tokens = h.sim.issuedTokens.length;
    const opened: { repo: Repo; pr: number }[] = [];
    // `acmecorp` shares a prefix with the allowed owner; `Acme-evil` differs only past it.
    for (const owner of ["evil", "acmecorp", "Acme-evil"]) {
      for (const [user, role] of ROLES) h.sim.setPermission(`${owner}/infra`, user, role);
      const repo = await h.sim.createRepo({ owner, name: "infra", files: { "net/main.tf": tfProject("net") } });
      await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 2) } });
      const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
      expect(pr.delivery.status).toBe(202);
      opened.push({ repo, pr: pr.number });
      await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
      await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
      await h.sim.comment(repo, pr.number, { user: "bob", body: "/help" });
    }
    await settle(h);
    expect(h.sim.issuedTokens).toHaveLength(tokens);
    expect(effects(h)).toEqual(before);
    for (const { repo, pr } of opened) {
      expect(botComments(h, repo, pr)).toEqual([]);
      expect(h.sim.checkRuns(repo)).toEqual([]);
    }
  });
});
