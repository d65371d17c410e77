import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
beforeAll(async () => {
  // Sluice replaced Atlantis everywhere: `atlantis …` is Sluice's also in autodiscovered repos.
  h = await startHarness({ serverConfig: "atlantis_prefix: always\n" });
  for (const u of ["alice", "bob"]) h.sim.addUser(u);
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

describe("atlantis_prefix: always", () => {
  it("`atlantis plan` plans a repo without atlantis.yaml, and `atlantis help` answers", async () => {
    h.sim.setPermission("acme/autodiscovered", "bob", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "autodiscovered", files: { "app/main.tf": tfProject("app") } });
    await h.sim.pushBranch(repo, { branch: "c", files: { "app/main.tf": tfProject("app", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    await h.sim.waitFor(() => /Plan: 2 to add/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });
    await h.sim.comment(repo, pr.number, { user: "bob", body: "atlantis plan -d app" });
    await h.sim.waitFor(() => /Plan: 2 to add/.test(bot(repo, pr.number)[1]?.body ?? ""), { timeoutMs: 90_000 });
    expect(bot(repo, pr.number)[1]?.body).toContain("atlantis plan -d app");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "atlantis help" });
    await h.sim.waitFor(() => bot(repo, pr.number).length === 3, { timeoutMs: 60_000 });
    expect(bot(repo, pr.number)[2]?.body).toMatch(/plan/);
  });
});
