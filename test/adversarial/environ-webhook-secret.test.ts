import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { completedCheck, botComments } from "./support.js";

let h: Harness;
// Redaction is the last line of defence: with the sandbox off, a plan can read the app's environ.
beforeAll(async () => {
  h = await startHarness({ serverConfig: "sandbox: off\n" });
});
afterAll(async () => {
  await h?.stop();
});

function appPid(secret: string): number {
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, "utf8").includes(`WEBHOOK_SECRET=${secret}`)) return Number(e);
    } catch {}
  }
  throw new Error("no app");
}

it("a plan that reads the app's environment does not post the webhook secret", async () => {
  const pid = appPid(h.secret);
  const repo = await h.sim.createRepo({ owner: "acme", name: "leak", files: { "net/main.tf": 'resource "terraform_data" "a" {}\n' } });
  await h.sim.pushBranch(repo, {
    branch: "c",
    files: {
      "net/main.tf": `resource "terraform_data" "a" {}\noutput "env" {\n  value = replace(file("/proc/${pid}/environ"), "\\u0000", "\\n")\n}\n`,
    },
  });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  const body = botComments(h, repo, pr.number)
    .map((c) => c.body)
    .join("\n");
  expect(body).toContain("SLUICE_DATA_DIR");
  expect(body).not.toContain(h.secret);
});
