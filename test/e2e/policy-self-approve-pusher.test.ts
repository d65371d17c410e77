import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject } from "../support/harness.js";

// prevent_self_approve: neither the PR's author nor whoever pushed its head approves the set, and
// the pusher is their account, whatever login they comment under since.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

// conftest cannot be installed here: a stand-in that prints conftest's documented JSON runs instead.
const CONFTEST = fileURLToPath(new URL("../fixtures/conftest/conftest", import.meta.url));

let h: Harness;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "sluice-self-approve-"));
  await mkdir(join(work, "no_data"), { recursive: true });
  const rule = {
    deny: [{ type: "terraform_data", action: "create", msg: "{address}: new terraform_data resources need a security review" }],
  };
  await writeFile(join(work, "no_data", "rule.json"), JSON.stringify(rule));
  h = await startHarness({
    serverConfig: [
      "apply_requirements: []",
      "policies:",
      `  conftest_binary: ${CONFTEST}`,
      "  owners:",
      "    users: [sec]",
      "  policy_sets:",
      "    - name: no_data",
      `      path: ${join(work, "no_data")}`,
      "      source: local",
      "      prevent_self_approve: true",
      "      owners:",
      "        teams: [security]",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
  await rm(work, { recursive: true, force: true });
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

/** Comments `body` as `user` and returns Sluice's /approve_policies answer to it. */
async function say(repo: Repo, pr: number, user: string, body: string): Promise<string> {
  const before = bot(repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  const reply = () =>
    bot(repo, pr)
      .slice(before)
      .find((c) => c.body.includes("**Sluice approve_policies**"))?.body;
  await h.sim.waitFor(() => reply() !== undefined, { message: `no reply to ${body}`, timeoutMs: 90_000 });
  return reply() ?? "";
}

async function planned(repo: Repo, sha: string): Promise<void> {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    message: `no completed sluice/plan on ${sha.slice(0, 7)}`,
    timeoutMs: 90_000,
  });
  // GitHub's times are whole seconds: a comment of the plan's second counts as written before it.
  const at = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) <= at) await new Promise((r) => setTimeout(r, 20));
}

describe("prevent_self_approve and the head's pusher", { timeout: 240_000 }, () => {
  it("carol pushes a failing change to alice's PR, renames her account and approves under the new login: still her push, refused; sec's counts", async () => {
    const state = join(h.stateDir, "self.tfstate");
    for (const u of ["alice", "carol"]) h.sim.setPermission("acme/self", u, "write");
    h.sim.setPermission("acme/self", "sec", "read");
    const repo = await h.sim.createRepo({ owner: "acme", name: "self", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await planned(repo, pr.headSha);
    const files = { "net/main.tf": statefulProject("net", state, 2) };
    const pushed = await h.sim.pushToPullRequest(repo, pr.number, files, { sender: "carol" });
    await planned(repo, pushed.headSha);
    // GitHub lets anyone rename their account at any time; the team follows the account.
    h.sim.renameUser("carol", "caroline");
    h.sim.addTeam("acme/security", { members: ["caroline"] });
    const self = await say(repo, pr.number, "caroline", "/approve_policies");
    expect(self).toContain("Not approved");
    expect(self).toContain("not approved `no_data`: its owners may not approve their own pull request, nor a head they pushed");
    // Control: an owner who did not push the head approves it.
    expect(await say(repo, pr.number, "sec", "/approve_policies")).toContain("policies pass now");
  });
});
