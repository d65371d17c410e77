import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { bot, completed } from "./trust-holes-support.js";

/**
 * `permissions: {plan: …}` says who may plan a project: a plan runs the pull request's code with
 * the project's plan credentials. A PR's own plan (an autoplan is its author's) was refused, but
 * the merge queue planned the same code at the group's commit with those credentials for anyone
 * who could get the PR approved and queued: the merge group never asked the rule.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "permissions:",
      '  - { match: "acme/mq-*:prod", plan: [carol] }',
      "credentials:",
      '  - { match: "acme/mq-*:prod", plan: { env: { TF_VAR_token: "env:MQ_PROD_PLAN_TOKEN" } } }',
      "",
    ].join("\n"),
    env: { MQ_PROD_PLAN_TOKEN: "mq-prod-plan-token-5d1e9c" },
    // The rule's user has an account before Sluice starts: the rule names that account (its id).
    beforeStart: async (sim) => void sim.addUser("carol"),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const prodCode = (n: number) => `variable "token" {\n  type    = string\n  default = ""\n}\n\n${tfProject("prod", n)}`;

async function queued(name: string, author: string) {
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "prod/main.tf": prodCode(1) } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "prod/main.tf": prodCode(2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author });
  await completed(h, repo, pr.headSha, "sluice/plan");
  const own = bot(h, repo, pr.number)
    .map((c) => c.body)
    .join("\n");
  await h.sim.approve(repo, pr.number, "bob");
  const group = await h.sim.enqueueMergeGroup(repo, [pr.number]);
  const check = await completed(h, repo, group.headSha, "sluice/plan");
  return { own, check };
}

describe("the merge queue asks who may plan the project", () => {
  it("a group holding the PR of someone the rule does not let plan prod plans nothing of prod", async () => {
    const { own, check } = await queued("mq-1", "alice");
    // Control: the PR's own plan is refused by the rule.
    expect(own).toContain("lets only `carol` plan this project");
    expect(check.conclusion, check.output.summary ?? "").toBe("failure");
    expect(check.output.summary).toContain("lets only `carol` plan this project");
    expect(check.output.summary).not.toContain("credentials: `acme/mq-*:prod` (plan)");
  });

  it("a group holding carol's PR with a head mallory pushed, whom the rule does not let plan prod, plans nothing of prod", async () => {
    for (const u of ["carol", "mallory", "bob"]) h.sim.setPermission("acme/mq-3", u, "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "mq-3", files: { "prod/main.tf": prodCode(1) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "prod/main.tf": prodCode(2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "carol" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const pushed = await h.sim.pushBranch(repo, { branch: "grow", files: { "prod/main.tf": prodCode(3) }, pusher: "mallory" });
    const own = await completed(h, repo, pushed, "sluice/plan");
    expect(own.output.summary).toContain("lets only `carol` plan this project, and @\u200bmallory is not one of them");
    await h.sim.approve(repo, pr.number, "bob");
    const group = await h.sim.enqueueMergeGroup(repo, [pr.number], { user: "carol" });
    const check = await completed(h, repo, group.headSha, "sluice/plan");
    expect(check.conclusion, check.output.summary ?? "").toBe("failure");
    expect(check.output.summary).toContain("@\u200bmallory is not one of them");
  });

  it("control: a group of carol's PR plans prod with its plan credentials", async () => {
    const { own, check } = await queued("mq-2", "carol");
    expect(own).not.toContain("lets only");
    expect(check.conclusion, check.output.summary ?? "").toBe("success");
    expect(check.output.summary).toContain("`prod`");
  });
});
