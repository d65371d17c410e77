import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

// An apply of several projects runs them one after another; each passes the gate inside its run
// lock. An approval withdrawn while the first is applied (the reviewer requests changes, or an
// admin dismisses it) must stop the projects not yet applied, as a withdrawn /apply comment does.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

const bot = (h: Harness, repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function completed(h: Harness, repo: Repo, sha: string, name: string) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === name && c.status === "completed"), {
    message: `no completed ${name} on ${sha.slice(0, 7)}`,
    timeoutMs: 90_000,
  });
}

describe("an approval withdrawn while a pull request's projects are being applied", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: [approved]\napprovals: 1\n" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function twoProjects(name: string) {
    for (const u of ["alice", "carol"]) h.sim.setPermission(`acme/${name}`, u, "write");
    const net = join(h.stateDir, `${name}-net.tfstate`);
    const app = join(h.stateDir, `${name}-app.tfstate`);
    const config = "version: 1\nparallel_apply: false\nprojects:\n  - name: net\n    dir: net\n  - name: app\n    dir: app\n";
    const repo = await h.sim.createRepo({
      owner: "acme",
      name,
      files: { ".sluice.yaml": config, "net/main.tf": statefulProject("net", net, 0), "app/main.tf": statefulProject("app", app, 0) },
    });
    await h.sim.pushBranch(repo, {
      branch: "grow",
      files: { "net/main.tf": statefulProject("net", net, 1), "app/main.tf": statefulProject("app", app, 1) },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow both" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    await h.sim.approve(repo, pr.number, "carol");
    return { repo, pr, net, app };
  }

  /** alice's /apply; `meanwhile` runs while the first project's apply holds (its Deployment asked for), after its gate. */
  async function applyWhile(repo: Repo, number: number, meanwhile: () => Promise<unknown>) {
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let heldOnce: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      heldOnce = r;
    });
    h.sim.failNext({ method: "POST", pathPattern: /\/deployments$/, holdUntil: released, onHeld: () => heldOnce(), times: 1 });
    const before = bot(h, repo, number).length;
    await h.sim.comment(repo, number, { user: "alice", body: "/apply" });
    await held;
    await meanwhile();
    release();
    await h.sim.waitFor(() => /·\s*(✅|❌|⛔|⚠️)/.test(bot(h, repo, number)[before]?.body ?? ""), {
      message: "no finished reply",
      timeoutMs: 90_000,
    });
    return (bot(h, repo, number)[before]?.body ?? "").replaceAll("\u200b", "");
  }

  it("carol requests changes while the first project is applied: the second is not, and the reply says why", async () => {
    const { repo, pr, net, app } = await twoProjects("withdrawn-mid-apply");
    const reply = await applyWhile(repo, pr.number, () => h.sim.requestChanges(repo, pr.number, "carol"));
    // The first project (the one held) passed its gate before the approval was withdrawn; the other did not.
    const applied = [...(await stateResources(net)), ...(await stateResources(app))];
    expect(applied).toHaveLength(1);
    expect(reply).toMatch(/⛔ refused: needs 1 more approval of the current commit/);
  });

  it("carol loses write access while the first project is applied: her approval counts no more for the second", async () => {
    const { repo, pr, net, app } = await twoProjects("approver-demoted-mid-apply");
    const reply = await applyWhile(repo, pr.number, async () => h.sim.setPermission(repo, "carol", "read"));
    // Her review still says approved; an approval counts from someone who may write, now.
    const applied = [...(await stateResources(net)), ...(await stateResources(app))];
    expect(applied).toHaveLength(1);
    expect(reply).toMatch(/⛔ refused: needs 1 more approval of the current commit/);
  });

  it("control: nothing withdrawn, both are applied", async () => {
    const { repo, pr, net, app } = await twoProjects("kept-mid-apply");
    await applyWhile(repo, pr.number, async () => undefined);
    expect(await stateResources(net)).toEqual(["terraform_data.net_0"]);
    expect(await stateResources(app)).toEqual(["terraform_data.app_0"]);
  });
});
