import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend, workflowNamingBackend } from "../support/http-state-backend.js";
import { storeRows } from "../support/previews.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * The state commands (`/state push-errored`, `/import`, `/state rm`) change the state in the
 * backend the project's plans and applies use: a workflow whose `init` names the backend
 * (`-backend-config`) gives that backend to them too, never the one the bare block falls back to.
 */
let h: Harness;
/** The backend the workflow's init names (production), and the one the block alone names. */
let prod: HttpStateBackend;
let fallback: HttpStateBackend;
/** A second project's backend on the same dir (Atlantis' custom backend config pattern). */
let staging: HttpStateBackend;
/** A backend a pull request names in place of the project's own. */
let elsewhere: HttpStateBackend;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: 'apply_requirements: []\nallow_checkout_state: false\nallow_custom_workflows: ["acme/*"]\n',
  });
  prod = await startHttpStateBackend();
  fallback = await startHttpStateBackend();
  staging = await startHttpStateBackend();
  elsewhere = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await prod?.close();
  await fallback?.close();
  await staging?.close();
  await elsewhere?.close();
  await h?.stop();
});

const atlantis = () =>
  ["version: 3", "projects:", "  - dir: web", "    workflow: prod", "workflows:", ...workflowNamingBackend("prod", prod.url), ""].join(
    "\n",
  );

const webProject = (extra = "") => `${httpBackendBlock(fallback.url)}${tfProject("web", 1)}${extra}`;

const names = (state: string | undefined) =>
  ((JSON.parse(state ?? "{}") as { resources?: { name: string }[] }).resources ?? []).map((r) => r.name).sort();

describe("state commands use the workflow's backend", () => {
  it("/state push-errored pushes the kept state into the backend the apply could not write, not the block's fallback", async () => {
    h.sim.setPermission("acme/push-backend", "alice", "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "push-backend",
      files: { "atlantis.yaml": atlantis(), "web/main.tf": webProject() },
    });
    await h.sim.pushBranch(repo, { branch: "change", files: { "web/main.tf": webProject(tfProject("extra", 1)) } });
    prod.refuseWrites = true;
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");

    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    expect(reply).toContain("/state push-errored -p web");
    // Control: the apply wrote to the workflow's backend (which refused), never to the fallback.
    expect(prod.posts).toBeGreaterThan(0);
    expect(prod.state).toBeUndefined();
    expect(fallback.posts).toBe(0);

    prod.refuseWrites = false;
    const pushed = await say(h, repo, pr.number, "alice", "/state push-errored -p web", "state push-errored");
    // The kept state is in the backend the apply meant to write; the fallback never saw it.
    expect(fallback.posts).toBe(0);
    expect(fallback.state).toBeUndefined();
    expect(names(prod.state)).toEqual(["extra_0", "web_0"]);
    expect(pushed).not.toContain("❌");
    const open = storeRows<{ id: number }>(h, "SELECT id FROM state_holds WHERE repo = ? AND released_at IS NULL", repo.fullName);
    expect(open).toHaveLength(0);
  }, 300_000);

  it("/state rm removes from the workflow's backend", async () => {
    h.sim.setPermission("acme/rm-backend", "alice", "write");
    prod.state = undefined;
    fallback.state = undefined;
    fallback.posts = 0;
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "rm-backend",
      files: { "atlantis.yaml": atlantis(), "web/main.tf": webProject() },
    });
    await h.sim.pushBranch(repo, { branch: "change", files: { "web/main.tf": webProject(tfProject("extra", 1)) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    await say(h, repo, pr.number, "alice", "/apply");
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("success");
    // Control: applied into the workflow's backend.
    expect(names(prod.state)).toEqual(["extra_0", "web_0"]);

    await say(h, repo, pr.number, "alice", "/state rm terraform_data.extra_0 -p web", "state rm");
    expect(names(prod.state)).toEqual(["web_0"]);
    expect(fallback.posts).toBe(0);
  }, 300_000);
});

/** Two named projects on one dir, each with its own backend through its workflow's init. */
const twoProjects = () =>
  [
    "version: 3",
    "projects:",
    ...["staging", "production"].flatMap((name) => [`  - name: ${name}`, "    dir: web", `    workflow: ${name}`]),
    "workflows:",
    ...[
      ["staging", staging.url],
      ["production", prod.url],
    ].flatMap(([name, url]) => workflowNamingBackend(name as string, url as string)),
    "",
  ].join("\n");

describe("a held dir shared by named projects", () => {
  it("production's kept state is never pushed by `/state push-errored -p staging` into staging's backend", async () => {
    prod.state = undefined;
    prod.refuseWrites = true;
    h.sim.setPermission("acme/shared-hold", "alice", "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "shared-hold",
      files: { "atlantis.yaml": twoProjects(), "web/main.tf": webProject() },
    });
    await h.sim.pushBranch(repo, { branch: "change", files: { "web/main.tf": webProject(tfProject("extra", 1)) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");

    const reply = await say(h, repo, pr.number, "alice", "/apply -p production");
    expect(reply).toContain("/state push-errored -p production");
    expect(prod.state).toBeUndefined();
    const open = () => storeRows<{ id: number }>(h, "SELECT id FROM state_holds WHERE repo = ? AND released_at IS NULL", repo.fullName);
    expect(open()).toHaveLength(1);
    prod.refuseWrites = false;

    // The held dir holds staging too, and says which project's state to push.
    const plan = await say(h, repo, pr.number, "alice", "/plan -p staging", "is held");
    expect(plan).toContain("/state push-errored -p production");
    expect(plan).not.toContain("/state push-errored -p staging");

    // Pushing as staging would write production's state into staging's backend and drop the kept copy.
    const wrong = await say(h, repo, pr.number, "alice", "/state push-errored -p staging", "production");
    expect(wrong).toContain("production");
    expect(staging.posts).toBe(0);
    expect(staging.state).toBeUndefined();
    expect(open()).toHaveLength(1);

    // Control: pushed as production, into production's backend, and released.
    const pushed = await say(h, repo, pr.number, "alice", "/state push-errored -p production", "state push-errored");
    expect(pushed).not.toContain("❌");
    expect(names(prod.state)).toEqual(["extra_0", "web_0"]);
    expect(staging.posts).toBe(0);
    expect(open()).toHaveLength(0);
  }, 300_000);
});

const httpProject = (url: string, extra = "") => `${httpBackendBlock(url)}${tfProject("web", 1)}${extra}`;

describe("a push from another pull request", () => {
  it("never writes the kept state into a backend that pull request names instead of the one the apply could not write", async () => {
    prod.state = undefined;
    prod.refuseWrites = true;
    h.sim.setPermission("acme/push-elsewhere", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "push-elsewhere", files: { "web/main.tf": httpProject(prod.url) } });
    await h.sim.pushBranch(repo, { branch: "change", files: { "web/main.tf": httpProject(prod.url, tfProject("extra", 1)) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain("/state push-errored -p web");
    expect(prod.state).toBeUndefined();
    const open = () => storeRows<{ id: number }>(h, "SELECT id FROM state_holds WHERE repo = ? AND released_at IS NULL", repo.fullName);
    expect(open()).toHaveLength(1);
    prod.refuseWrites = false;
    // The pull request is given up; its apply failed, so its lock is kept until a person unlocks it.
    await h.sim.closePullRequest(repo, pr.number);
    await h.sim.waitFor(() => h.sim.comments(repo, pr.number).some((c) => c.body.includes("keeps its locks")), {
      message: "the closed pull request did not say it keeps its lock",
    });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/unlock" });
    await h.sim.waitFor(() => storeRows(h, "SELECT 1 FROM locks WHERE repo = ?", repo.fullName).length === 0, {
      message: "the closed pull request's locks were not released",
    });

    // Another pull request moves the project's backend; the push there would land in that one.
    await h.sim.pushBranch(repo, { branch: "move", from: "main", files: { "web/main.tf": httpProject(elsewhere.url) } });
    const move = await h.sim.openPullRequest(repo, { head: "move", author: "alice" });
    await completed(h, repo, move.headSha, "sluice/plan");
    const wrong = await say(h, repo, move.number, "alice", "/state push-errored -p web", "state push-errored");
    expect(wrong).toContain("❌");
    expect(elsewhere.posts).toBe(0);
    expect(elsewhere.state).toBeUndefined();
    expect(open()).toHaveLength(1);
    expect(wrong).toContain("not the one that refused the kept state");
    await h.sim.closePullRequest(repo, move.number);
    await h.sim.waitFor(() => storeRows(h, "SELECT 1 FROM locks WHERE repo = ?", repo.fullName).length === 0, {
      message: "the moving pull request's locks were not released",
    });

    // Control: a pull request that leaves the backend alone pushes it where the apply meant to write it.
    await h.sim.pushBranch(repo, { branch: "docs", from: "main", files: { "README.md": "# docs\n" } });
    const docs = await h.sim.openPullRequest(repo, { head: "docs", author: "alice" });
    await h.sim.waitFor(() => h.sim.comments(repo, docs.number).length > 0 || h.sim.checkRuns(repo, docs.headSha).length > 0, {
      message: "the docs pull request was not seen",
    });
    const pushed = await say(h, repo, docs.number, "alice", "/state push-errored -p web", "state push-errored");
    expect(pushed).not.toContain("❌");
    expect(names(prod.state)).toEqual(["extra_0", "web_0"]);
    expect(open()).toHaveLength(0);
  }, 300_000);
});

describe("the read-back after an apply", () => {
  it("reads the backend with the env the apply's workflow gave the apply (a backend set up by env steps)", async () => {
    prod.state = undefined;
    prod.refuseWrites = false;
    const envSteps = [
      "version: 3",
      "projects:",
      "  - dir: web",
      "    workflow: byenv",
      "workflows:",
      "  byenv:",
      "    plan:",
      "      steps:",
      `        - env: {name: TF_HTTP_ADDRESS, value: "${prod.url}"}`,
      "        - init",
      "        - plan",
      "    apply:",
      "      steps:",
      `        - env: {name: TF_HTTP_ADDRESS, value: "${prod.url}"}`,
      "        - apply",
      "",
    ].join("\n");
    const bare = (extra = "") => `terraform {\n  backend "http" {}\n}\n\n${tfProject("web", 1)}${extra}`;
    h.sim.setPermission("acme/env-backend", "alice", "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "env-backend",
      files: { "atlantis.yaml": envSteps, "web/main.tf": bare() },
    });
    await h.sim.pushBranch(repo, { branch: "change", files: { "web/main.tf": bare(tfProject("extra", 1)) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    expect((await completed(h, repo, pr.headSha, "sluice/plan")).conclusion).toBe("success");
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    // Control: the apply wrote its state where the env steps said.
    expect(names(prod.state)).toEqual(["extra_0", "web_0"]);
    expect(reply).not.toContain("could not be read back");
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("success");
  }, 300_000);
});
