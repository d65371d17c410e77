import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend } from "../support/http-state-backend.js";
import { storeRows } from "../support/previews.js";
import { bot, completed, say } from "./trust-holes-support.js";

/**
 * The state path under attack: an `errored.tfstate` Sluice must keep (and only one it must
 * keep), with real terraform in the sandbox against an http backend the test controls.
 */
let h: Harness;
/** The http backend: its state, whether it refuses writes (a bucket answering 500), and writes held unanswered. */
let http: HttpStateBackend;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: 'apply_requirements: []\nallow_checkout_state: false\nallow_custom_workflows: ["acme/*"]\n',
  });
  http = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await http?.close();
  await h?.stop();
});

let n = 0;
async function prWith(files: Record<string, string>, change: Record<string, string>, symlinks?: Record<string, string>) {
  n++;
  const name = `errored-${n}`;
  h.sim.setPermission(`acme/${name}`, "alice", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files, symlinks });
  await h.sim.pushBranch(repo, { branch: "change", files: change });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr };
}

const httpProject = (extra = "") => `${httpBackendBlock(http.url)}${tfProject("web", 1)}${extra}`;

const holds = (repo: { fullName: string }) =>
  storeRows<{ id: number; released_at: string | null }>(h, "SELECT id, released_at FROM state_holds WHERE repo = ?", repo.fullName);

describe("errored.tfstate", () => {
  it("an apply step of a custom workflow (Atlantis' `run: terraform apply $PLANFILE`) whose state the backend refused: the state is kept and the project held", async () => {
    http.state = undefined;
    http.refuseWrites = true;
    const atlantis = [
      "version: 3",
      "projects:",
      "  - dir: web",
      "    workflow: wrapped",
      "workflows:",
      "  wrapped:",
      "    apply:",
      "      steps:",
      "        - run: terraform apply -input=false -no-color $PLANFILE",
      "",
    ].join("\n");
    const { repo, pr } = await prWith(
      { "atlantis.yaml": atlantis, "web/main.tf": httpProject() },
      { "web/main.tf": httpProject(tfProject("extra", 1)) },
    );
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(http.posts).toBeGreaterThan(0);
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    // Control: the backend has nothing; what terraform made lives only in errored.tfstate.
    expect(http.state).toBeUndefined();
    // Sluice must keep it before the worktree goes, and hold the project.
    expect(reply).toContain("/state push-errored");
    expect(holds(repo).filter((r) => r.released_at === null)).toHaveLength(1);
  }, 300_000);

  it("an errored.tfstate committed in the repository is not taken for the state of an apply that failed for another reason", async () => {
    http.state = undefined;
    http.refuseWrites = false;
    // Someone's leftover from a local run, on the base branch: not this apply's state.
    const planted = JSON.stringify({
      version: 4,
      terraform_version: "1.9.0",
      serial: 99,
      lineage: "planted-lineage",
      outputs: {},
      resources: [],
    });
    // An apply that fails (a provisioner exits 1) after the backend took its state.
    const failing = `resource "terraform_data" "boom" {\n  provisioner "local-exec" {\n    command = "exit 1"\n  }\n}\n`;
    const { repo, pr } = await prWith(
      { "web/main.tf": httpProject(), "web/errored.tfstate": planted },
      { "web/main.tf": httpProject(failing) },
    );
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    // Control: the backend took the state terraform wrote (the apply failed at the provisioner).
    expect(http.state ?? "").toContain("terraform_data");
    // Terraform saved its state: nothing to keep, no hold, nothing said of errored.tfstate.
    expect(reply).not.toContain("could not save the state");
    expect(holds(repo)).toHaveLength(0);
    const plan = await say(h, repo, pr.number, "alice", "/plan");
    expect(plan).not.toContain("is held");
  }, 300_000);

  it("an errored.tfstate committed as a symlink to /dev/null does not swallow the state the backend refused", async () => {
    http.state = undefined;
    http.refuseWrites = true;
    // terraform writes errored.tfstate through the link: the state it could not save goes nowhere.
    const { repo, pr } = await prWith(
      { "web/main.tf": httpProject() },
      { "web/main.tf": httpProject(tfProject("extra", 1)) },
      { "web/errored.tfstate": "/dev/null" },
    );
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(http.posts).toBeGreaterThan(0);
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    // Control: the backend has nothing; what terraform made lives only in errored.tfstate.
    expect(http.state).toBeUndefined();
    // Kept and held, as for any state the backend refused; never printed into the comment.
    expect(reply).toContain("/state push-errored");
    expect(reply).not.toContain('"lineage"');
    expect(holds(repo).filter((r) => r.released_at === null)).toHaveLength(1);
  }, 300_000);

  it("a pull request closed while its apply runs: the apply's worktree is not removed under it, and a state the backend refused is kept", async () => {
    http.state = undefined;
    http.refuseWrites = true;
    http.hold = true;
    const { repo, pr } = await prWith({ "web/main.tf": httpProject() }, { "web/main.tf": httpProject(tfProject("extra", 1)) });
    const before = bot(h, repo, pr.number).length;
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" });
    // The apply is inside terraform, writing its state to the backend (held unanswered).
    await h.sim.waitFor(() => http.held.length > 0, { message: "the apply never wrote its state", timeoutMs: 120_000 });
    const worktrees = join(h.app.dataDir, "worktrees", `acme__${repo.fullName.split("/")[1]}`, String(pr.number));
    expect(existsSync(worktrees)).toBe(true);
    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await h.sim.waitFor(
      () =>
        storeRows<{ spec: string }>(h, "SELECT spec FROM jobs WHERE repo = ? AND status != 'queued'", repo.fullName).some((r) =>
          r.spec.includes('"kind":"cleanup"'),
        ),
      { message: "the close's job never started", timeoutMs: 60_000 },
    );
    // Either the cleanup removes the apply's worktree now, or it waits for the apply: give it time to show which.
    const until = Date.now() + 5_000;
    await h.sim.waitFor(() => !existsSync(worktrees) || Date.now() > until, { message: "never", timeoutMs: 30_000 });
    const removedUnderTheApply = !existsSync(worktrees);
    // The backend now refuses the write: terraform leaves errored.tfstate in the project's dir.
    http.hold = false;
    for (const res of http.held.splice(0)) res.writeHead(500).end("bucket unavailable");
    await h.sim.waitFor(() => (bot(h, repo, pr.number)[before]?.body ?? "").match(/❌|⛔|✅/) !== null, {
      message: "the apply never finished",
      timeoutMs: 120_000,
    });
    expect(removedUnderTheApply).toBe(false);
    expect(http.state).toBeUndefined();
    expect(holds(repo).filter((r) => r.released_at === null)).toHaveLength(1);
  }, 300_000);
});
