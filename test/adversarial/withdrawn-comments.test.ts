import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources, statefulProject } from "../support/harness.js";
import { botComments, completedCheck, type Repo, settle } from "./support.js";

/**
 * A command is what its comment says when Sluice acts on it. GitHub keeps a failed delivery for
 * three days, and its docs tell operators to redeliver failed ones after an outage (so does
 * operations.md after a full disk): by then the comment may have been deleted or edited by the
 * person who wrote it. The body redelivered is the one GitHub signed when it was written.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
});
afterAll(async () => {
  await h?.stop();
});

async function plannedPullRequest(name: string) {
  h.sim.setPermission(`acme/${name}`, "bob", "write");
  const state = join(h.stateDir, `${name}.tfstate`);
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1) } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  await settle(h);
  return { repo, pr, state };
}

/** A comment written while Sluice could not be reached: GitHub shows its delivery as failed. */
async function undelivered(repo: Repo, number: number, body: string) {
  h.sim.setWebhookTarget("http://127.0.0.1:1");
  try {
    const { commentId, delivery } = await h.sim.comment(repo, number, { user: "bob", body });
    expect(delivery.status).toBe(0);
    return { commentId, deliveryId: delivery.deliveryId };
  } finally {
    h.sim.setWebhookTarget(h.app.url);
  }
}

/**
 * `/apply` written while Sluice was unreachable, `meanwhile` done to its comment, its delivery
 * redelivered: the state afterwards and what Sluice said on the PR since.
 */
async function redeliveredAfter(name: string, meanwhile: (repo: Repo, commentId: number) => Promise<unknown> | undefined) {
  const { repo, pr, state } = await plannedPullRequest(name);
  const replies = botComments(h, repo, pr.number).length;
  const { commentId, deliveryId } = await undelivered(repo, pr.number, "/apply");
  await meanwhile(repo, commentId);
  expect((await h.sim.redeliver(deliveryId)).status).toBe(202);
  await settle(h);
  h.sim.clearFaults();
  const said = botComments(h, repo, pr.number)
    .slice(replies)
    .map((c) => c.body)
    .join("\n");
  return { said, resources: await stateResources(state), commentId };
}

describe("a failed delivery of a command comment, redelivered later", () => {
  it("does not apply when the comment was deleted meanwhile, and says so", async () => {
    const { said, resources } = await redeliveredAfter("deleted", (repo, id) => h.sim.deleteComment(repo, id));
    expect(resources).toEqual([]);
    expect(said).toMatch(/`\/apply` by @\u200bbob was not run: its comment was deleted/);
  });

  it.each([
    ["edited", "on second thought, not yet"],
    // GitHub shows an indented first line as code: the command is now an example, not said.
    ["indented", "    /apply\nonce carol has approved"],
  ])("does not apply when the comment was %s meanwhile, and says so", async (name, body) => {
    const { said, resources } = await redeliveredAfter(name, (repo, id) => h.sim.editComment(repo, id, { body }));
    expect(resources).toEqual([]);
    expect(said).toMatch(/`\/apply` by @\u200bbob was not run: its comment was edited/);
  });

  it("does not apply when GitHub cannot say what the comment says now, and says so on the pull request", async () => {
    const comment = (id: number) => new RegExp(`/issues/comments/${id}$`);
    const { said, resources, commentId } = await redeliveredAfter("unreadable", async (_, id) =>
      h.sim.failNext({ method: "GET", pathPattern: comment(id), status: 502, times: 50 }),
    );
    expect(resources).toEqual([]);
    expect(said).toMatch(/`\/apply` by @\u200bbob was not run: GitHub did not answer whether its comment still says it/);
    // The job is not retried: the adapter's few retries are all the reads there are.
    const reads = h.sim.calls.filter((c) => c.method === "GET" && comment(commentId).test(c.path));
    expect(reads.length).toBeLessThanOrEqual(10);
  });

  it("control: applies when the comment still says it", async () => {
    const { repo, pr, state } = await plannedPullRequest("standing");
    const { deliveryId } = await undelivered(repo, pr.number, "/apply");
    expect((await h.sim.redeliver(deliveryId)).status).toBe(202);
    await completedCheck(h, repo, pr.headSha, "sluice/apply");
    await settle(h);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });
});
