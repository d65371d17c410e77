import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { completed } from "./trust-holes-support.js";

// A workflow hook runs under the sandbox's limits like any tool run: one over a limit fails, and
// the PR says which limit in words. A hook that wrote past the disk limit and exited before the
// watch measured it is over it all the same (the measure at its end finds it).
let h: Harness;

const entry = (name: string, run: string) => `  - { id: "acme/${name}", pre_workflow_hooks: [{ run: ${JSON.stringify(run)} }] }`;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "limits: { disk: 2Mi }",
      "repos:",
      '  - "acme/*"',
      entry("quick", "head -c 3000000 /dev/zero > big"),
      entry("slow", "head -c 3000000 /dev/zero > big; sleep 30"),
      entry("small", "head -c 100000 /dev/zero > small"),
      "",
    ].join("\n"),
  });
  h.sim.addUser("alice");
});
afterAll(async () => {
  await h?.stop();
});

async function prIn(name: string) {
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "app/main.tf": tfProject("app") } });
  const head = await h.sim.pushBranch(repo, { branch: "change", files: { "app/main.tf": tfProject("app", 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await completed(h, repo, head, "sluice/plan");
  return h.sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
}

const OVER = "reached a sandbox limit: the disk limit (2 MiB) was exceeded (server setting `limits`)";

describe("a workflow hook over a sandbox limit", () => {
  it("one stopped by the watch: the PR names the limit", async () => {
    const comment = await prIn("slow");
    expect(comment).toContain(`\`pre_workflow_hooks\`: hook \`head -c 3000000 /dev/zero > big; sleep 30\` ${OVER}`);
    expect(comment).toContain("No plan ran");
  }, 120_000);

  it("one that exited before a measure: over the limit at its end, no plan", async () => {
    const comment = await prIn("quick");
    expect(comment).toContain(`\`pre_workflow_hooks\`: hook \`head -c 3000000 /dev/zero > big\` ${OVER}`);
    expect(comment).toContain("No plan ran");
  }, 120_000);

  it("control: a hook under the limit passes", async () => {
    const comment = await prIn("small");
    expect(comment).not.toContain("pre_workflow_hooks");
  }, 120_000);
});
