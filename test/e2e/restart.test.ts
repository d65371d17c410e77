import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: [approved]\n" });
  stateDir = h.stateDir;
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function completed(repo: Repo, sha: string, name: string, count = 1) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed").length >= count, {
    message: `no completed ${name} (#${count})`,
    timeoutMs: 60_000,
  });
  const done = h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
  return done[done.length - 1] as (typeof done)[number];
}

/**
 * The bot's comment at `index` (negative: from the end) once its job has edited it past "queued" or
 * "running": the job completes its check a moment before it edits the comment.
 */
async function settledReply(repo: Repo, pr: number, index: number): Promise<string> {
  const body = () => bot(repo, pr).at(index)?.body ?? "";
  await h.sim.waitFor(() => body() !== "" && !/⏳ queued|🔄 running/.test(body()), {
    message: `bot comment ${index} still queued or running`,
    timeoutMs: 60_000,
  });
  return body();
}

async function plannedPr(name: string, extra = "") {
  const state = join(stateDir, `${name}.tfstate`);
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1, extra) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completed(repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "bob");
  return { repo, pr, state };
}

describe("restarts", () => {
  it("a restart between plan and apply (same data dir): the saved plan still applies", async () => {
    const { repo, pr, state } = await plannedPr("restart-plan");
    await h.restart({ signal: "SIGTERM" });
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("success");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });

  it("kill -9 during apply: after restart the PR says interrupted, the lock is held, nothing is retried", async () => {
    // The apply marks its start, then outlasts any wait: pulled once the mark is there, the plug
    // falls mid-apply however busy the machine (a 1.5 s sleep then kill let a 6 s apply finish first).
    const started = join(stateDir, "restart-kill-started");
    const slow = `\nresource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "touch ${started}; sleep 60"\n  }\n}\n`;
    const { repo, pr } = await plannedPr("restart-kill", slow);
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(() => existsSync(started), { message: "the apply never started", timeoutMs: 60_000 });
    await h.restart({ signal: "SIGKILL" });
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("failure");
    const reply = await settledReply(repo, pr.number, 1);
    expect(reply).toContain("Interrupted");
    expect(reply).toContain("lock is kept");
    // Its Deployment is ended once, as an error saying what may have happened (not left in progress).
    const [deployment] = h.sim.deployments(repo);
    expect(deployment?.statuses.map((st) => st.state)).toEqual(["in_progress", "error"]);
    expect(deployment?.statuses.at(-1)?.description).toContain("interrupted");
    // The lock is still held: another PR touching the project is told so.
    await h.sim.pushBranch(repo, { branch: "other", from: "main", files: { "net/other.tf": tfProject("other") } });
    const other = await h.sim.openPullRequest(repo, { head: "other", author: "bob" });
    await completed(repo, other.headSha, "sluice/plan");
    expect(bot(repo, other.number)[0]?.body).toContain(`locked by #`);
    // Nothing retried the apply: one apply check, still the failed one.
    await untilIdle(h.app.dataDir);
    expect(h.sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/apply")).toHaveLength(1);
    // Nor can anyone: the plan was used when its apply started, so `/apply` needs a new plan.
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await completed(repo, pr.headSha, "sluice/apply", 2);
    expect(await settledReply(repo, pr.number, -1)).toContain("Nothing to apply: this pull request has no current plan");
  });

  it("the same delivery after a restart is not acted on again", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "restart-dedupe", files: { "net/main.tf": tfProject("net") } });
    await h.sim.pushBranch(repo, { branch: "b", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "b", author: "alice" });
    await completed(repo, pr.headSha, "sluice/plan");
    await h.restart({ signal: "SIGTERM" });
    const again = await h.sim.redeliver(pr.delivery.deliveryId);
    expect(again.status).toBe(202);
    await untilIdle(h.app.dataDir);
    expect(bot(repo, pr.number)).toHaveLength(1);
    expect(h.sim.checkRuns(repo, pr.headSha)).toHaveLength(1);
  });
});
