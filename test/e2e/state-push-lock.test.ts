import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { type HttpStateBackend, startHttpStateBackend } from "../support/http-state-backend.js";
import { storeRows } from "../support/previews.js";
import { untilIdle } from "../support/until-idle.js";
import { growProd, prodAndApp, prodProject, pushFromAppPr } from "./state-push-support.js";
import { bot, completed, say } from "./trust-holes-support.js";

/**
 * `/state push-errored` takes the project's lock whatever the pull request changes (the hold may
 * come from a drift road). A push that is refused (nothing held, no permission) or that is done
 * must not leave that lock with a pull request that does not change the project: it would keep
 * every other pull request of the project waiting ("locked by #N") until someone unlocks it.
 */
let h: Harness;
let prod: HttpStateBackend;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "apply_requirements: []",
      "allow_checkout_state: false",
      "permissions:",
      '  - match: "acme/*:prod"',
      "    state: [bob]",
      "",
    ].join("\n"),
  });
  prod = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await prod?.close();
  await h?.stop();
});

const locks = (repo: string) => storeRows<{ pr: number; dir: string }>(h, "SELECT pr, dir FROM locks WHERE repo = ? ORDER BY dir", repo);

async function repoWithDocsPr(name: string) {
  const repo = await prodAndApp(h, prod, name);
  // A pull request that changes another project only.
  await h.sim.pushBranch(repo, { branch: "app", files: { "app/main.tf": tfProject("app", 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "app", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr };
}

describe("/state push-errored and the project's lock", () => {
  it("a refused push leaves no lock on a project the pull request does not change", async () => {
    const { repo, pr } = await repoWithDocsPr("push-lock-refused");
    expect(locks(repo.fullName)).toEqual([{ pr: pr.number, dir: "app" }]);
    // Nothing is held: refused.
    const notHeld = await say(h, repo, pr.number, "bob", "/state push-errored -p prod", "not held");
    expect(notHeld).toContain("not held");
    // Alice is not in prod's `state` permission: refused.
    const denied = await say(h, repo, pr.number, "alice", "/state push-errored -p prod", "refused");
    expect(denied).toContain("refused");
    await untilIdle(h.app.dataDir);
    expect(locks(repo.fullName)).toEqual([{ pr: pr.number, dir: "app" }]);
    // Another pull request on prod is not told it is locked by the first one.
    await h.sim.pushBranch(repo, { branch: "prod", from: "main", files: { "prod/main.tf": prodProject(prod, tfProject("more", 1)) } });
    const next = await h.sim.openPullRequest(repo, { head: "prod", author: "bob" });
    await completed(h, repo, next.headSha, "sluice/plan");
    expect(
      h.sim
        .comments(repo, next.number)
        .map((c) => c.body)
        .join("\n"),
    ).not.toContain(`locked by #${pr.number}`);
  }, 300_000);

  it("a push done from a pull request that does not change the project releases the lock it took (control: the push lands)", async () => {
    prod.state = undefined;
    prod.refuseWrites = true;
    const repo = await prodAndApp(h, prod, "push-lock-done");
    const grow = await growProd(h, prod, repo);
    expect(await say(h, repo, grow.number, "bob", "/apply")).toContain("/state push-errored -p prod");
    prod.refuseWrites = false;
    await h.sim.closePullRequest(repo, grow.number);
    // Its apply failed once terraform ran: the closed PR keeps its lock for a person, who unlocks it.
    await h.sim.waitFor(() => bot(h, repo, grow.number).some((c) => c.body.includes("keeps its locks")), {
      message: "the closed pull request did not say it keeps its lock",
    });
    await h.sim.comment(repo, grow.number, { user: "bob", body: "/unlock" });
    await h.sim.waitFor(() => locks(repo.fullName).length === 0, { message: "the closed pull request's locks were not released" });

    const { app, pushed, names } = await pushFromAppPr(h, prod, repo);
    expect(pushed).not.toContain("❌");
    expect(pushed).not.toContain("⛔");
    expect(names).toEqual(["extra_0", "prod_0"]);
    await untilIdle(h.app.dataDir);
    expect(locks(repo.fullName)).toEqual([{ pr: app.number, dir: "app" }]);
  }, 300_000);
});
