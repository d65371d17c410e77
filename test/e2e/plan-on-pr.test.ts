import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.sim.addUser("alice");
  h.sim.addUser("bob");
});
afterAll(async () => {
  await h?.stop();
});

async function planCheck(repo: Parameters<Harness["sim"]["checkRuns"]>[0], sha: string) {
  await h.sim.waitFor(
    () => h.sim.checkRuns(repo, sha).some((c) => c.name === "sluice/plan" && c.status === "completed"),
    { message: `no completed sluice/plan check on ${sha}`, timeoutMs: 60_000 },
  );
  const check = h.sim.checkRuns(repo, sha).find((c) => c.name === "sluice/plan");
  if (!check) throw new Error("unreachable");
  return check;
}

const botComments = (repo: Parameters<Harness["sim"]["comments"]>[0], pr: number) =>
  h.sim.comments(repo, pr).filter((c) => c.user.endsWith("[bot]"));

describe("plan on a pull request", () => {
  it("autoplans the changed project when a PR opens: one comment edited in place, a check with counts", async () => {
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "infra",
      files: { "net/main.tf": tfProject("net", 1), "app/main.tf": tfProject("app", 1), "README.md": "hi\n" },
    });
    await h.sim.pushBranch(repo, { branch: "grow-net", files: { "net/main.tf": tfProject("net", 3) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow-net", author: "alice", title: "grow net" });
    expect(pr.delivery.status).toBe(202);

    const check = await planCheck(repo, pr.headSha);
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toContain("+3");
    expect(check.history.map((x) => x.status)).toContain("in_progress");

    const comments = botComments(repo, pr.number);
    expect(comments).toHaveLength(1);
    const [comment] = comments;
    expect(comment?.body).toContain("terraform_data.net_2");
    expect(comment?.body).not.toContain("terraform_data.app_0");
    expect(comment?.body).toMatch(/<details>/);
    // Posted once (queued), then edited as it ran and when it finished.
    expect(comment?.history.length).toBeGreaterThanOrEqual(3);
    expect(comment?.history[0]).toMatch(/queued/i);
    expect(h.sim.unknownCalls).toEqual([]);
  });
});
