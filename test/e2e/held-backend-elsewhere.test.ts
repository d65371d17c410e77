import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend } from "../support/http-state-backend.js";
import { untilIdle } from "../support/until-idle.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * A hold is kept on the dir and workspace whose state terraform could not save. The same backend
 * named from another dir (a pull request that copies or moves the project) is the same state: it
 * is held too, or its plans and applies write over the state the backend lacks, and the kept state
 * can no longer be pushed (terraform refuses it over another lineage).
 */
let h: Harness;
let prod: HttpStateBackend;
let other: HttpStateBackend;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\nallow_checkout_state: false\n" });
  prod = await startHttpStateBackend();
  other = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await prod?.close();
  await other?.close();
  await h?.stop();
});

const project = (url: string, extra = "") => `${httpBackendBlock(url)}${tfProject("prod", 1)}${extra}`;
const names = (state: string | undefined) =>
  ((JSON.parse(state ?? "{}") as { resources?: { name: string }[] }).resources ?? []).map((r) => r.name).sort();

describe("a held backend named from another dir", () => {
  it("is held: the copy's plan is refused, and the kept state is still pushed (control: another backend plans)", async () => {
    h.sim.setPermission("acme/held-copy", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "held-copy", files: { "prod/main.tf": project(prod.url) } });
    // The backend holds a state first, applied from a pull request given up afterwards.
    await h.sim.pushBranch(repo, { branch: "first", files: { "prod/main.tf": project(prod.url, tfProject("one", 1)) } });
    const first = await h.sim.openPullRequest(repo, { head: "first", author: "alice" });
    await completed(h, repo, first.headSha, "sluice/plan");
    prod.refuseWrites = false;
    expect(await say(h, repo, first.number, "alice", "/apply")).toContain("applied");
    expect(names(prod.state)).toEqual(["one_0", "prod_0"]);
    const applied1 = prod.state;
    await h.sim.closePullRequest(repo, first.number);
    await untilIdle(h.app.dataDir);
    prod.refuseWrites = true;
    await h.sim.pushBranch(repo, { branch: "grow", files: { "prod/main.tf": project(prod.url, tfProject("extra", 1)) } });
    const grow = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, grow.headSha, "sluice/plan");
    expect(await say(h, repo, grow.number, "alice", "/apply")).toContain("/state push-errored -p prod");
    prod.refuseWrites = false;

    // Another pull request adds a dir whose backend is prod's, and one whose backend is another.
    await h.sim.pushBranch(repo, {
      branch: "copy",
      from: "main",
      files: { "copy/main.tf": project(prod.url, tfProject("other", 1)), "fresh/main.tf": project(other.url) },
    });
    const copy = await h.sim.openPullRequest(repo, { head: "copy", author: "alice" });
    await completed(h, repo, copy.headSha, "sluice/plan");
    const plan = h.sim
      .comments(repo, copy.number)
      .map((c) => c.body)
      .join("\n");
    expect(plan).toContain("`copy` is held");
    expect(plan).toContain("/state push-errored -p prod");
    const applied = await say(h, repo, copy.number, "alice", "/apply");
    expect(applied).not.toContain("terraform_data.other_0");
    expect(prod.state).toBe(applied1);
    // Control: the project on another backend was planned and applies.
    expect(names(other.state)).toEqual(["prod_0"]);
    // Nor do the state commands change that backend from the copy's dir.
    const removed = await say(h, repo, copy.number, "alice", "/state rm -p copy terraform_data.one_0", "is held");
    expect(removed).toContain("/state push-errored -p prod");
    expect(prod.state).toBe(applied1);

    // The kept state still goes where it belongs; then the copy plans again.
    const pushed = await say(h, repo, grow.number, "alice", "/state push-errored -p prod", "state push-errored");
    expect(pushed).not.toContain("❌");
    expect(names(prod.state)).toEqual(["extra_0", "prod_0"]);
    expect(prod.state).not.toBe(applied1);
    const again = await say(h, repo, copy.number, "alice", "/plan -p copy");
    expect(again).not.toContain("is held");
    expect(again).toContain("terraform_data.other_0");
  }, 300_000);

  it("a plan another dir saved before the hold was kept is not applied over the held backend", async () => {
    prod.state = undefined;
    prod.refuseWrites = false;
    h.sim.setPermission("acme/held-early", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "held-early", files: { "prod/main.tf": project(prod.url) } });
    // The copy is planned first, while nothing is held.
    await h.sim.pushBranch(repo, { branch: "copy", files: { "copy/main.tf": project(prod.url, tfProject("other", 1)) } });
    const copy = await h.sim.openPullRequest(repo, { head: "copy", author: "alice" });
    await completed(h, repo, copy.headSha, "sluice/plan");
    // Then prod's apply cannot save its state.
    prod.refuseWrites = true;
    await h.sim.pushBranch(repo, { branch: "grow", from: "main", files: { "prod/main.tf": project(prod.url, tfProject("extra", 1)) } });
    const grow = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, grow.headSha, "sluice/plan");
    expect(await say(h, repo, grow.number, "alice", "/apply")).toContain("/state push-errored -p prod");
    prod.refuseWrites = false;
    const applied = await say(h, repo, copy.number, "alice", "/apply");
    expect(applied).toContain("`copy` is held");
    expect(applied).toContain("/state push-errored -p prod");
    expect(prod.state).toBeUndefined();
    // Control: the kept state is pushed where it belongs.
    const pushed = await say(h, repo, grow.number, "alice", "/state push-errored -p prod", "state push-errored");
    expect(pushed).not.toContain("❌");
    expect(names(prod.state)).toEqual(["extra_0", "prod_0"]);
  }, 300_000);
});
