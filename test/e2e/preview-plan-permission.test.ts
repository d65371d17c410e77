import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs } from "../support/previews.js";
import { previewOf } from "./preview-permission-support.js";

/**
 * `permissions: {plan: …}` says who may plan a project: its plans run the pull request's code with
 * the project's credentials. A PR's own plan asked the rule; its preview (a plan and an apply of
 * the same code, in the preview's workspace, with the project's preview credentials) did not.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["allowed_overrides: [preview]", "permissions:", '  - { match: "acme/pp-*:app", plan: [carol] }', ""].join("\n"),
    // The rule's user has an account before Sluice starts: the rule names that account (its id).
    beforeStart: async (sim) => void sim.addUser("carol"),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

describe("a preview asks who may plan the project", { timeout: 300_000 }, () => {
  it("the PR of someone the rule does not let plan app gets no preview: nothing planned or applied", async () => {
    const { said, wsState, repo, pr } = await previewOf(h, "pp-1", "alice");
    expect(await stateInputs(wsState), said).toEqual([]);
    expect(previewComment(h, repo, pr.number)).toContain("lets only `carol` plan this project");
  });

  it("control: carol's PR gets its live preview", async () => {
    const { said, wsState, pr } = await previewOf(h, "pp-2", "carol");
    expect(said).toMatch(/✅ live/);
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-v2`]);
  });
});
