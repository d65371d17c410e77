import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { applyWhile, twoProjectsPlanned } from "./apply-mid-run-support.js";

// An apply of several projects runs them one after another; each passes the gate inside its run
// lock. An approval withdrawn while the first is applied (the reviewer requests changes, or an
// admin dismisses it) must stop the projects not yet applied, as a withdrawn /apply comment does.

/** The two projects planned, alice's PR approved by carol. */
async function twoProjects(h: Harness, name: string) {
  const planned = await twoProjectsPlanned(h, name, ["alice", "carol"]);
  await h.sim.approve(planned.repo, planned.pr.number, "carol");
  return planned;
}

describe("an approval withdrawn while a pull request's projects are being applied", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: [approved]\napprovals: 1\n" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("carol requests changes while the first project is applied: the second is not, and the reply says why", async () => {
    const { repo, pr, net, app } = await twoProjects(h, "withdrawn-mid-apply");
    const reply = await applyWhile(h, repo, pr.number, () => h.sim.requestChanges(repo, pr.number, "carol"));
    // The first project (the one held) passed its gate before the approval was withdrawn; the other did not.
    const applied = [...(await stateResources(net)), ...(await stateResources(app))];
    expect(applied).toHaveLength(1);
    expect(reply).toMatch(/⛔ refused: needs 1 more approval of the current commit/);
  });

  it("carol loses write access while the first project is applied: her approval counts no more for the second", async () => {
    const { repo, pr, net, app } = await twoProjects(h, "approver-demoted-mid-apply");
    const reply = await applyWhile(h, repo, pr.number, async () => h.sim.setPermission(repo, "carol", "read"));
    // Her review still says approved; an approval counts from someone who may write, now.
    const applied = [...(await stateResources(net)), ...(await stateResources(app))];
    expect(applied).toHaveLength(1);
    expect(reply).toMatch(/⛔ refused: needs 1 more approval of the current commit/);
  });

  it("control: nothing withdrawn, both are applied", async () => {
    const { repo, pr, net, app } = await twoProjects(h, "kept-mid-apply");
    await applyWhile(h, repo, pr.number, async () => undefined);
    expect(await stateResources(net)).toEqual(["terraform_data.net_0"]);
    expect(await stateResources(app)).toEqual(["terraform_data.app_0"]);
  });
});
