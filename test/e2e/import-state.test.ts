import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { httpBackendBlock, startHttpStateBackend } from "../support/http-state-backend.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let stateDir: string;

beforeAll(async () => {
  // States in the checkout are refused here, as in production (the harness allows them by default).
  h = await startHarness({ serverConfig: "apply_requirements: [approved]\nallow_checkout_state: false\n" });
  // Inside the harness's sandbox path: tool runs may write their state only there.
  stateDir = await mkdtemp(join(h.stateDir, "sluice-import-"));
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function say(repo: Repo, pr: number, user: string, body: string) {
  const before = bot(repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  await h.sim.waitFor(() => /·\s*(✅|❌|⛔)/.test(bot(repo, pr)[before]?.body ?? ""), {
    message: `no finished reply to ${body}`,
    timeoutMs: 90_000,
  });
  return bot(repo, pr)[before]?.body ?? "";
}

describe("/import and /state rm", () => {
  it("import and state rm change real state, need write access and the lock, and discard the PR's plans", async () => {
    const state = join(stateDir, "net.tfstate");
    for (const [u, role] of [
      ["alice", "write"],
      ["bob", "write"],
      ["carol", "write"],
      ["rita", "read"],
    ] as const)
      h.sim.setPermission("acme/imports", u, role);
    const repo = await h.sim.createRepo({ owner: "acme", name: "imports", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "adopt", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "adopt", author: "alice" });
    await h.sim.waitFor(() => /Plan: 1 to add/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });

    expect(await say(repo, pr.number, "rita", "/import terraform_data.net_0 existing-id")).toContain(
      "needs write access to this repository to import",
    );
    expect(await stateResources(state)).toEqual([]);

    // A state change is an apply at the gate: the project's requirements hold (here, an approval of the head).
    const unapproved = await say(repo, pr.number, "bob", "/import -d net terraform_data.net_0 existing-id");
    expect(unapproved).toContain("needs 1 more approval of the current commit");
    expect(await stateResources(state)).toEqual([]);
    await h.sim.approve(repo, pr.number, "carol");
    const imported = await say(repo, pr.number, "bob", "/import -d net terraform_data.net_0 existing-id");
    expect(imported).toContain("✅ done");
    expect(imported).toContain("Import successful");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
    // The plan made before the import no longer describes the state: nothing is left to apply.
    await h.sim.approve(repo, pr.number, "bob");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("Nothing to apply");

    const removed = await say(repo, pr.number, "bob", "/state rm terraform_data.net_0");
    expect(removed).toContain("✅ done");
    expect(removed).toMatch(/Removed terraform_data\.net_0/);
    expect(await stateResources(state)).toEqual([]);
  }, 180_000);

  it("a state the job throws away is refused, as the apply refuses it: in the checkout, or in the run's private /tmp (control: a kept state)", async () => {
    for (const u of ["alice", "bob", "carol"]) h.sim.setPermission("acme/imports-lost", u, "write");
    // `loose` has no backend: its state is terraform.tfstate in the checkout, removed with it.
    // `scratch` keeps it in the sandbox's /tmp, which is the run's own.
    const scratch = `terraform {\n  backend "local" {\n    path = "/tmp/scratch.tfstate"\n  }\n}\n\n${tfProject("scratch", 1)}`;
    const kept = join(stateDir, "kept.tfstate");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "imports-lost",
      files: { "loose/main.tf": tfProject("loose", 0), "scratch/main.tf": scratch, "kept/main.tf": statefulProject("kept", kept, 0) },
    });
    await h.sim.pushBranch(repo, {
      branch: "adopt",
      files: {
        "loose/main.tf": tfProject("loose", 1),
        "scratch/main.tf": `${scratch}\n# adopt\n`,
        "kept/main.tf": statefulProject("kept", kept, 1),
      },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "adopt", author: "alice" });
    await h.sim.waitFor(() => /·\s*(✅|❌|⛔)/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });
    await h.sim.approve(repo, pr.number, "carol");
    const loose = await say(repo, pr.number, "bob", "/import -d loose terraform_data.loose_0 existing-id");
    expect(loose).not.toContain("✅ done");
    expect(loose).toContain("state is a local file inside the checkout");
    const inTmp = await say(repo, pr.number, "bob", "/import -d scratch terraform_data.scratch_0 existing-id");
    expect(inTmp).not.toContain("✅ done");
    expect(inTmp).toContain("the run's private /tmp");
    // Control: a state the sandbox keeps takes the import.
    expect(await say(repo, pr.number, "bob", "/import -d kept terraform_data.kept_0 existing-id")).toContain("✅ done");
    expect(await stateResources(kept)).toEqual(["terraform_data.kept_0"]);
  }, 180_000);

  it("is done only when the backend gives the change back: a backend that acknowledged and kept nothing fails the command (control: one that keeps it)", async () => {
    for (const u of ["alice", "bob", "carol"]) h.sim.setPermission("acme/imports-read-back", u, "write");
    const backend = await startHttpStateBackend();
    try {
      const project = (n: number) => `${httpBackendBlock(backend.url)}${tfProject("net", n)}`;
      const repo = await h.sim.createRepo({ owner: "acme", name: "imports-read-back", files: { "net/main.tf": project(0) } });
      await h.sim.pushBranch(repo, { branch: "adopt", files: { "net/main.tf": project(2) } });
      const pr = await h.sim.openPullRequest(repo, { head: "adopt", author: "alice" });
      await h.sim.waitFor(() => /·\s*(✅|❌|⛔)/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });
      await h.sim.approve(repo, pr.number, "carol");
      backend.dropWrites = true;
      const lost = await say(repo, pr.number, "bob", "/import terraform_data.net_0 existing-id");
      expect(backend.posts).toBeGreaterThan(0);
      expect(backend.state).toBeUndefined();
      expect(lost).not.toContain("✅ done");
      expect(lost).toContain("the change did not reach it");
      // Control: the same import into a backend that keeps what it is sent.
      backend.dropWrites = false;
      expect(await say(repo, pr.number, "bob", "/import terraform_data.net_0 existing-id")).toContain("✅ done");
      expect(backend.state).toContain("net_0");
      // And a removal the backend drops is not done either.
      backend.dropWrites = true;
      const kept = await say(repo, pr.number, "bob", "/state rm terraform_data.net_0");
      expect(kept).not.toContain("✅ done");
      expect(backend.state).toContain("net_0");
    } finally {
      await backend.close();
    }
  }, 180_000);
});
