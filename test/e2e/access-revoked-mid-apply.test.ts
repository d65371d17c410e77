import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

// A job's actor must be allowed to apply when each project is applied, not only when the job
// started: an apply of several projects takes minutes (and may wait long for a run lock another
// job holds), and a writer whose access is taken away meanwhile (offboarded, or found hostile)
// must apply nothing more, as an approval withdrawn or a withdrawn /apply comment stops the rest.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

const bot = (h: Harness, repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function completed(h: Harness, repo: Repo, sha: string, name: string) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === name && c.status === "completed"), {
    message: `no completed ${name} on ${sha.slice(0, 7)}`,
    timeoutMs: 90_000,
  });
}

describe("the applier's access taken away while a pull request's projects are being applied", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: []\n" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function twoProjects(name: string) {
    h.sim.setPermission(`acme/${name}`, "alice", "write");
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
    return { repo, pr, net, app };
  }

  /** alice's /apply; `meanwhile` runs while the first project's apply holds (its Deployment asked for), after its gate. */
  async function applyWhile(repo: Repo, number: number, meanwhile: () => unknown) {
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

  it("alice loses write access while the first project is applied: the second is not, and the reply says why", async () => {
    const { repo, pr, net, app } = await twoProjects("revoked-mid-apply");
    const reply = await applyWhile(repo, pr.number, () => h.sim.setPermission(repo, "alice", "read"));
    // The first project (the one held) passed its gate while alice could write; the other did not.
    const applied = [...(await stateResources(net)), ...(await stateResources(app))];
    expect(applied).toHaveLength(1);
    expect(reply).toMatch(/⛔ refused: .*alice.*(read|write)/);
  });

  it("control: alice keeps her access, both are applied", async () => {
    const { repo, pr, net, app } = await twoProjects("kept-access-mid-apply");
    await applyWhile(repo, pr.number, () => undefined);
    expect(await stateResources(net)).toEqual(["terraform_data.net_0"]);
    expect(await stateResources(app)).toEqual(["terraform_data.app_0"]);
  });
});
