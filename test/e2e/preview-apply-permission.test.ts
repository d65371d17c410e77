import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs } from "../support/previews.js";
import { previewOf } from "./preview-permission-support.js";

/**
 * `permissions: {apply: …}` says who may apply a project, a preview's apply included. Sluice's own
 * runs act in the name `sluice`; the preview's gate left the rule out for that name, so a GitHub
 * user who registered the login `sluice` (no App's login: those end in `[bot]`) had the
 * preview of their pull request applied where the rule lets only others apply.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["allowed_overrides: [preview]", "permissions:", '  - { match: "acme/pa-*:app", apply: [carol] }', ""].join("\n"),
    // The rule's user has an account before Sluice starts: the rule names that account (its id).
    beforeStart: async (sim) => void sim.addUser("carol"),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

describe("a preview's apply asks the permissions rule whoever the asker is named", { timeout: 300_000 }, () => {
  it("the pull request of a user named sluice gets no preview applied: the rule lets only carol apply app", async () => {
    const { said, wsState, repo, pr } = await previewOf(h, "pa-1", "sluice");
    expect(await stateInputs(wsState), said).toEqual([]);
    expect(previewComment(h, repo, pr.number)).toContain("lets only `carol` apply this project");
  });

  it("control: carol's pull request gets its live preview", async () => {
    const { said, wsState, pr } = await previewOf(h, "pa-2", "carol");
    expect(said).toMatch(/✅ live/);
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-v2`]);
  });
});
