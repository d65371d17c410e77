import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources, statefulProject } from "../support/harness.js";
import { bot, completed, type Repo, say } from "./trust-holes-support.js";

// One server, several repositories: `repos:` entries give each its own settings, and the gate
// decides on the settings of the PR's repository, never another's.
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "apply_requirements: [approved]",
      "repos:",
      '  - "acme/*"',
      '  - { id: "/^acme/sandbox-.*$/", apply_requirements: [] }',
      '  - { id: "acme/quiet", autoplan: false }',
      "",
    ].join("\n"),
  });
  for (const u of ["alice", "bob"]) h.sim.addUser(u);
});
afterAll(async () => {
  await h?.stop();
});

async function changedPr(owner: string, name: string) {
  const state = join(h.stateDir, `${owner}-${name}.tfstate`);
  h.sim.setPermission(`${owner}/${name}`, "bob", "write");
  const repo = await h.sim.createRepo({ owner, name, files: { "net/main.tf": statefulProject("net", state) } });
  const head = await h.sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  return { repo, pr: pr.number, state, head };
}

const planned = (x: { repo: Repo; head: string }) => completed(h, x.repo, x.head, "sluice/plan");

describe("repos: entries, through the real app", () => {
  it("the sandbox repository applies unapproved, the prod one is refused, a repository outside repos: gets nothing, one without autoplan plans on /plan only", async () => {
    const quiet = await changedPr("acme", "quiet");
    const outside = await changedPr("other", "infra");
    const prod = await changedPr("acme", "prod-net");
    const sandbox = await changedPr("acme", "sandbox-net");
    await planned(prod);
    await planned(sandbox);

    const applied = await say(h, sandbox.repo, sandbox.pr, "bob", "/apply");
    expect(await stateResources(sandbox.state), applied).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);

    const refused = await say(h, prod.repo, prod.pr, "bob", "/apply", "approval");
    expect(refused).toMatch(/needs 1 more approval|approv/);
    expect(await stateResources(prod.state), refused).toEqual([]);

    // Its PR was opened first: its webhook was answered (and ignored) before the others ran.
    await h.sim.waitFor(() => h.app.output().includes('"repo":"other/infra"'), { message: "other/infra never reached ingress" });
    expect(h.app.output()).toMatch(/"repo":"other\/infra"[^\n]*not in the server's allowlist/);
    expect(bot(h, outside.repo, outside.pr)).toEqual([]);
    expect(h.sim.checkRuns(outside.repo)).toEqual([]);

    // Ingress decides with the repository's own settings too: no autoplan there, `/plan` still works.
    expect(bot(h, quiet.repo, quiet.pr)).toEqual([]);
    expect(h.sim.checkRuns(quiet.repo)).toEqual([]);
    const onComment = await say(h, quiet.repo, quiet.pr, "bob", "/plan");
    expect(onComment).toContain("+2 ~0 -0");
  }, 240_000);
});
