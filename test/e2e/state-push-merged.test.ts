import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { type HttpStateBackend, startHttpStateBackend } from "../support/http-state-backend.js";
import { untilIdle } from "../support/until-idle.js";
import { growProd, pushFromAppPr, prodAndApp } from "./state-push-support.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * An apply on merge whose state the backend refused: the state is kept and the project held, and
 * the reply is on a merged pull request, which keeps the project's lock (its apply failed). What
 * it says to do must be what works.
 */
let h: Harness;
let prod: HttpStateBackend;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_on: merge\napply_requirements: []\nallow_checkout_state: false\n" });
  prod = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await prod?.close();
  await h?.stop();
});

describe("a state kept by an apply on merge", () => {
  it("the merged pull request says where to push it, and the way it says works", async () => {
    prod.state = undefined;
    prod.refuseWrites = true;
    const repo = await prodAndApp(h, prod, "push-merged");
    const grow = await growProd(h, prod, repo);
    await h.sim.mergePullRequest(repo, grow.number);
    expect((await completed(h, repo, grow.headSha, "sluice/apply")).conclusion).toBe("failure");
    await untilIdle(h.app.dataDir);
    const said = h.sim
      .comments(repo, grow.number)
      .map((c) => c.body)
      .join("\n");
    expect(said).toContain("/state push-errored -p prod");
    expect(said).toContain("on an open pull request");
    prod.refuseWrites = false;
    // Commented where the reply is, on the merged pull request: it says what to do instead.
    const closed = await say(h, repo, grow.number, "bob", "/state push-errored -p prod", "closed");
    expect(closed).toContain("/unlock");
    expect(closed).toContain("open pull request");
    // Done as said: /unlock on the merged pull request, then the push on an open one.
    await say(h, repo, grow.number, "bob", "/unlock", "Released");
    const { pushed, names } = await pushFromAppPr(h, prod, repo);
    expect(pushed).not.toContain("❌");
    expect(pushed).not.toContain("⛔");
    expect(names).toEqual(["extra_0", "prod_0"]);
  }, 300_000);
});
