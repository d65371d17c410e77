import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

// An `/apply` applies its projects one after another (here `b` after `a`, which it depends on):
// a comment deleted or edited while it runs stops the projects not yet applied.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");
const CONFIG = "version: 1\nprojects:\n  - { name: a, dir: a }\n  - { name: b, dir: b, depends_on: [a] }\n";

/** A PR planning `a` (whose apply waits for `release` once it has started) and `b`, which depends on it. */
async function twoProjectPr(name: string) {
  const started = join(h.stateDir, `${name}-started`);
  const release = join(h.stateDir, `${name}-release`);
  const slow = `resource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "touch ${started}; while [ ! -e ${release} ]; do sleep 0.1; done"\n  }\n}\n`;
  const state = (p: string) => join(h.stateDir, `${name}-${p}.tfstate`);
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": CONFIG, "a/main.tf": statefulProject("a", state("a"), 0), "b/main.tf": statefulProject("b", state("b"), 0) },
  });
  await h.sim.pushBranch(repo, {
    branch: "grow",
    files: { "a/main.tf": statefulProject("a", state("a"), 1, slow), "b/main.tf": statefulProject("b", state("b"), 1) },
  });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await h.sim.waitFor(() => /·\s*(✅|❌)/.test(bot(repo, pr.number)[0]?.body ?? ""), { message: "not planned", timeoutMs: 90_000 });
  const { commentId } = await h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" });
  await h.sim.waitFor(() => existsSync(started), { message: "a's apply never started", timeoutMs: 90_000 });
  const finished = async () => {
    await h.sim.waitFor(() => /·\s*(✅|❌|⛔|⚠️)/.test(bot(repo, pr.number)[1]?.body ?? ""), {
      message: "no apply result",
      timeoutMs: 90_000,
    });
    return bot(repo, pr.number)[1]?.body ?? "";
  };
  return { repo, pr, commentId, release: () => writeFile(release, ""), finished, state };
}

describe("an /apply whose comment is withdrawn while it runs", { timeout: 240_000 }, () => {
  it("deleted while `a` applies: `b` is not applied, and the reply says why", async () => {
    const run = await twoProjectPr("withdrawn-deleted");
    await h.sim.deleteComment(run.repo, run.commentId);
    await run.release();
    const reply = await run.finished();
    expect(reply).toContain("its comment was deleted while the command ran");
    expect(await stateResources(run.state("a"))).toEqual(["terraform_data.a_0", "terraform_data.slow"]);
    expect(await stateResources(run.state("b"))).toEqual([]);
  });

  it("control: left as it is, both apply", async () => {
    const run = await twoProjectPr("withdrawn-kept");
    await run.release();
    const reply = await run.finished();
    expect(reply).not.toContain("⛔");
    expect(await stateResources(run.state("b"))).toEqual(["terraform_data.b_0"]);
  });
});
