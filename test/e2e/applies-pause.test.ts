import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\nadmins: [alice, carol]\n" });
  for (const u of ["alice", "bob", "carol"]) h.sim.addUser(u);
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function say(repo: Repo, pr: number, user: string, body: string): Promise<string> {
  const before = bot(repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  await h.sim.waitFor(() => /Sluice applies|·\s*(✅|❌|⛔)/.test(bot(repo, pr)[before]?.body ?? ""), { timeoutMs: 90_000 });
  return bot(repo, pr)[before]?.body ?? "";
}

describe("/applies pause|resume: the global apply lock from a comment", () => {
  it("only admins pull the brake; while on, /apply is refused and nothing changes; resume lets it apply", async () => {
    const state = join(h.stateDir, "net.tfstate");
    for (const u of ["alice", "bob"]) h.sim.setPermission("acme/brake", u, "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "brake", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
    await h.sim.waitFor(() => /Plan: 1 to add/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });

    expect(await say(repo, pr.number, "bob", "/applies pause -- freeze")).toContain("only this server's admins");
    expect(await say(repo, pr.number, "alice", "/applies pause -- release freeze")).toContain(
      "Applies are paused on this Sluice server (release freeze)",
    );
    const refused = await say(repo, pr.number, "bob", "/apply");
    expect(refused).toContain("Applies are paused");
    expect(refused).toContain("release freeze");
    expect(await stateResources(state)).toEqual([]);

    expect(await say(repo, pr.number, "alice", "/applies resume")).toContain("Applies are resumed");
    expect(await say(repo, pr.number, "bob", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  }, 180_000);

  it("works on a plain issue too, as README says: pause there refuses /apply on a PR; resume there lifts it", async () => {
    const state = join(h.stateDir, "ops.tfstate");
    for (const u of ["alice", "bob"]) h.sim.setPermission("acme/ops", u, "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "ops", files: { "net/main.tf": statefulProject("net", state, 0) } });
    const issue = h.sim.openIssue(repo, { title: "change freeze", author: "alice" });
    expect(await say(repo, issue.number, "bob", "/applies pause")).toContain("only this server's admins");
    expect(await say(repo, issue.number, "alice", "/applies pause -- quarter end")).toContain(
      "Applies are paused on this Sluice server (quarter end)",
    );
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
    await h.sim.waitFor(() => /Plan: 1 to add/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("quarter end");
    expect(await stateResources(state)).toEqual([]);
    expect(await say(repo, issue.number, "alice", "sluice applies resume")).toContain("Applies are resumed");
    expect(await say(repo, pr.number, "bob", "/apply")).toMatch(/✅ applied/);
  }, 180_000);

  it("attack: an admin renames, another account registers the freed login and comments /applies: refused; the admin under the new login is obeyed", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "renamed", files: { "net/main.tf": "" } });
    const issue = h.sim.openIssue(repo, { title: "brake", author: "carol" });
    // Control: the admin as configured (Sluice resolves the login to carol's account here).
    expect(await say(repo, issue.number, "carol", "/applies pause -- before the rename")).toContain("Applies are paused");

    h.sim.renameUser("carol", "carol-renamed");
    h.sim.addUser("carol"); // another account takes the login carol gave up
    const squatter = await say(repo, issue.number, "carol", "/applies resume");
    expect(squatter).toContain("only this server's admins");

    // The admin's account under its new login is still the admin.
    expect(await say(repo, issue.number, "carol-renamed", "/applies resume")).toContain("Applies are resumed");
  }, 180_000);
});
