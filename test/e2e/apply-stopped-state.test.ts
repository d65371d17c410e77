import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend } from "../support/http-state-backend.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * An apply the sandbox stops for a limit or its step timeout, mid-way: what terraform already made is in the backend
 * (terraform is asked to stop and saves its state, as on a timeout), never lost with a SIGKILL
 * that gives it no chance to write.
 */
let h: Harness;
let http: HttpStateBackend;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: "apply_requirements: []\nallow_checkout_state: false\nstep_timeout: 10s\nlimits:\n  disk: 64Mi\n",
  });
  http = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await http?.close();
  await h?.stop();
});

const project = (extra = "") => `${httpBackendBlock(http.url)}${tfProject("web", 1)}${extra}`;

/** Made first; then a provisioner that writes past the disk limit and waits to be stopped. */
const overDisk = `
resource "terraform_data" "made" {
  input = "made"
}

resource "terraform_data" "big" {
  depends_on = [terraform_data.made]
  provisioner "local-exec" {
    command = "dd if=/dev/zero of=big.bin bs=1M count=160 2>/dev/null; sleep 60"
  }
}
`;

const names = (state: string | undefined) =>
  ((JSON.parse(state ?? "{}") as { resources?: { name: string }[] }).resources ?? []).map((r) => r.name).sort();

/** Made first; then a provisioner that outlasts the step timeout. */
const tooLong = `
resource "terraform_data" "made" {
  input = "made"
}

resource "terraform_data" "slow" {
  depends_on = [terraform_data.made]
  provisioner "local-exec" {
    command = "sleep 120"
  }
}
`;

describe("an apply stopped mid-way", () => {
  it("by a limit leaves what it made in the backend, and says which limit stopped it", async () => {
    http.state = undefined;
    h.sim.setPermission("acme/stopped", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "stopped", files: { "web/main.tf": project() } });
    // Control: the base state is applied and in the backend.
    await h.sim.pushBranch(repo, { branch: "base", files: { "web/main.tf": project(" ") } });
    const first = await h.sim.openPullRequest(repo, { head: "base", author: "alice" });
    await completed(h, repo, first.headSha, "sluice/plan");
    await say(h, repo, first.number, "alice", "/apply");
    expect(names(http.state)).toEqual(["web_0"]);
    await h.sim.closePullRequest(repo, first.number);

    await h.sim.pushBranch(repo, { branch: "grow", from: "main", files: { "web/main.tf": project(overDisk) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan", 1);
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    expect(reply).toContain("disk limit");
    // terraform_data.made exists now: the backend must know it, or the next apply makes it again.
    expect(names(http.state)).toContain("made");
  }, 300_000);

  it("by its step timeout leaves what it made in the backend", async () => {
    http.state = undefined;
    h.sim.setPermission("acme/timed-out", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "timed-out", files: { "web/main.tf": project() } });
    await h.sim.pushBranch(repo, { branch: "slow", files: { "web/main.tf": project(tooLong) } });
    const pr = await h.sim.openPullRequest(repo, { head: "slow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain("timed out");
    expect(names(http.state)).toContain("made");
  }, 300_000);
});
