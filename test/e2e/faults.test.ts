import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await startHarness();
  h.sim.addUser("alice");
});
afterAll(async () => {
  await h?.stop();
});

async function openPr(files: Record<string, string>, change: Record<string, string>) {
  n++;
  const repo = await h.sim.createRepo({ owner: "acme", name: `faults-${n}`, files });
  await h.sim.pushBranch(repo, { branch: "c", files: change });
  return { repo, pr: await h.sim.openPullRequest(repo, { head: "c", author: "alice" }) };
}

async function finalCheck(repo: Repo, sha: string) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    timeoutMs: 60_000,
  });
  return h.sim.checkRuns(repo, sha).find((c) => c.name === "sluice/plan");
}

describe("faults are information", () => {
  it("GitHub answering 502 twice while posting: retried, posted once, logged with the delivery id", async () => {
    h.sim.failNext({ method: "POST", pathPattern: /\/issues\/\d+\/comments$/, status: 502, times: 2 });
    const { repo, pr } = await openPr({ "net/main.tf": tfProject("net") }, { "net/main.tf": tfProject("net", 2) });
    expect((await finalCheck(repo, pr.headSha))?.conclusion).toBe("success");
    expect(h.sim.comments(repo, pr.number).filter((c) => c.user === "sluice[bot]")).toHaveLength(1);
    const retries = h.app
      .output()
      .split("\n")
      .filter((l) => l.includes("GitHub call failed, retrying"));
    expect(retries).toHaveLength(2);
    expect(retries[0]).toContain(pr.delivery.deliveryId);
  });

  it("403 with retry-after is waited out, then the check is updated", async () => {
    h.sim.failNext({ method: "PATCH", pathPattern: /\/check-runs\/\d+$/, status: 403, headers: { "retry-after": "1" }, times: 1 });
    const { repo, pr } = await openPr({ "net/main.tf": tfProject("net") }, { "net/main.tf": tfProject("net", 2) });
    expect((await finalCheck(repo, pr.headSha))?.conclusion).toBe("success");
  });
});
