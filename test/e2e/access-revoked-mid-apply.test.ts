import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { applyWhile, twoProjectsPlanned } from "./apply-mid-run-support.js";

// A job's actor must be allowed to apply when each project is applied, not only when the job
// started: an apply of several projects takes minutes (and may wait long for a run lock another
// job holds), and a writer whose access is taken away meanwhile (offboarded, or found hostile)
// must apply nothing more, as an approval withdrawn or a withdrawn /apply comment stops the rest.

describe("the applier's access taken away while a pull request's projects are being applied", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: []\n" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("alice loses write access while the first project is applied: the second is not, and the reply says why", async () => {
    const { repo, pr, net, app } = await twoProjectsPlanned(h, "revoked-mid-apply", ["alice"]);
    const reply = await applyWhile(h, repo, pr.number, () => h.sim.setPermission(repo, "alice", "read"));
    // The first project (the one held) passed its gate while alice could write; the other did not.
    const applied = [...(await stateResources(net)), ...(await stateResources(app))];
    expect(applied).toHaveLength(1);
    expect(reply).toMatch(/⛔ refused: .*alice.*(read|write)/);
  });

  it("control: alice keeps her access, both are applied", async () => {
    const { repo, pr, net, app } = await twoProjectsPlanned(h, "kept-access-mid-apply", ["alice"]);
    await applyWhile(h, repo, pr.number, () => undefined);
    expect(await stateResources(net)).toEqual(["terraform_data.net_0"]);
    expect(await stateResources(app)).toEqual(["terraform_data.app_0"]);
  });
});
