import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs, waitPreviewComment } from "../support/previews.js";
import { previewOf } from "./preview-permission-support.js";

/**
 * A preview applies the PR's code with the project's preview credentials, for people with write
 * access. That access was read when the job started: a writer demoted while the preview planned
 * (or while it waited for its run lock) still had it applied. It is asked again at the preview's
 * gate, as an /apply's applier is. The preview's Deployment is asked for just before that gate:
 * holding it is "while the preview planned".
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [preview]\n" });
  for (const u of ["alice", "bob"]) h.sim.addUser(u);
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

/** Holds the next POST /deployments until `meanwhile` ran; returns once it is held. */
function holdDeployment(meanwhile: () => void): Promise<void> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => {
    release = r;
  });
  return new Promise<void>((held) => {
    h.sim.failNext({
      method: "POST",
      pathPattern: /\/deployments$/,
      holdUntil: released,
      onHeld: () => {
        meanwhile();
        release();
        held();
      },
      times: 1,
    });
  });
}

describe("a preview's gate asks again whether its people may", { timeout: 300_000 }, () => {
  it("the author demoted while their push's preview planned: refused, nothing applied", async () => {
    for (const u of ["alice"]) h.sim.setPermission("acme/pv-revoked-1", u, "write");
    const held = holdDeployment(() => h.sim.setPermission("acme/pv-revoked-1", "alice", "read"));
    const { said, wsState } = await previewOf(h, "pv-revoked-1", "alice");
    await held;
    expect(said).toMatch(/refused/);
    expect(said).toContain("alice");
    expect(await stateInputs(wsState)).toEqual([]);
  });

  it("`/preview recreate` by a writer demoted while it planned: refused, the earlier preview gone, nothing applied again", async () => {
    for (const u of ["alice", "bob"]) h.sim.setPermission("acme/pv-revoked-2", u, "write");
    const { said, wsState, repo, pr } = await previewOf(h, "pv-revoked-2", "alice");
    expect(said).toMatch(/✅ live/);
    const held = holdDeployment(() => h.sim.setPermission("acme/pv-revoked-2", "bob", "read"));
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/preview recreate" });
    await held;
    const after = await waitPreviewComment(h, repo, pr.number, /refused/, "no refusal after the recreate");
    expect(after).toContain("bob");
    // The recreate's destroy ran (bob could, then); its apply did not.
    expect(await stateInputs(wsState)).toEqual([]);
  });

  it("the author demoted, then closing the PR: its preview is still destroyed (Sluice acts itself; a destroy is never left to nobody)", async () => {
    for (const u of ["alice"]) h.sim.setPermission("acme/pv-revoked-4", u, "write");
    const { said, wsState, repo, pr } = await previewOf(h, "pv-revoked-4", "alice");
    expect(said).toMatch(/✅ live/);
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-v2`]);
    h.sim.setPermission("acme/pv-revoked-4", "alice", "read");
    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    const after = await waitPreviewComment(h, repo, pr.number, /🗑️ destroyed|destroy failed|refused/, "no destroy at close");
    expect(after).toContain("🗑️ destroyed");
    expect(await stateInputs(wsState)).toEqual([]);
  });

  it("control: held the same way with nobody demoted, the preview goes live", async () => {
    for (const u of ["alice"]) h.sim.setPermission("acme/pv-revoked-3", u, "write");
    const held = holdDeployment(() => undefined);
    const { said, wsState, repo, pr } = await previewOf(h, "pv-revoked-3", "alice");
    await held;
    expect(said).toMatch(/✅ live/);
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-v2`]);
    expect(previewComment(h, repo, pr.number)).not.toMatch(/refused/);
  });
});
