import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesWith } from "../adversarial/support.js";
import { type Harness, startHarness, statefulProject } from "../support/harness.js";

// Pull mode under `kill -9`: a reconcile (`on_drift: apply`) killed while terraform applies is
// reported on its check and issue, its project is paused as a failed reconcile is, and no later
// schedule tick applies it again until a person resumes it.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: `drift:\n  schedule: "*/2 * * * * *"\nallowed_overrides: [drift, workflow]\nallow_custom_workflows: ["acme/*"]\n`,
  });
});
afterAll(async () => {
  await h?.stop();
});

const driftRuns = (repo: Repo, sha: string) => h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/drift");
const driftIssues = (repo: Repo) => h.sim.issues(repo).filter((i) => i.labels.includes("sluice:drift"));
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

describe("a reconcile killed mid-apply", () => {
  it("is reported on its check and issue, pauses the project, and is not applied again by a later tick", async () => {
    const state = join(h.stateDir, "slow.tfstate");
    const started = join(h.stateDir, "slow-applies.log");
    // The apply writes a line when it starts, then takes long enough to be killed in the middle.
    // `after` waits for `slow`: whatever Terraform saved of the killed run, `after` is not in the
    // state, so every later check finds the project drifted (and reports it paused).
    const slow = `resource "terraform_data" "slow" {\n  input = "x"\n  provisioner "local-exec" {\n    command = "echo started >> ${started}; sleep 60"\n  }\n}\n\nresource "terraform_data" "after" {\n  input = "y"\n  depends_on = [terraform_data.slow]\n}\n`;
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "drift-kill",
      files: { ".sluice.yaml": "version: 1\ndrift:\n  on_drift: apply\n", "net/main.tf": statefulProject("net", state, 1, slow) },
    });
    const { sha } = await h.sim.pushDefaultBranch(repo, { "docs/README.md": "infra\n" });
    await h.sim.waitFor(() => lines(started).length === 1, { message: "the reconcile never started applying", timeoutMs: 60_000 });
    const cut = driftRuns(repo, sha).at(-1);
    expect(cut?.status).toBe("in_progress");

    await h.restart();
    // Nothing of the killed apply outlives the app (its sleep would hold the state's lock).
    await h.sim.waitFor(() => processesWith(started).length === 0, {
      message: "the killed apply's processes outlived the app",
      timeoutMs: 30_000,
    });

    await h.sim.waitFor(() => driftRuns(repo, sha).at(-1)?.status === "completed", {
      message: "the sluice/drift check stayed in progress",
      timeoutMs: 60_000,
    });
    const check = driftRuns(repo, sha).at(-1);
    expect(check?.conclusion).toBe("failure");
    // The check the killed run left is the one completed: no second run of its id, none left in progress.
    expect(check?.id).toBe(cut?.id);
    expect(driftRuns(repo, sha).filter((c) => c.external_id === cut?.external_id)).toHaveLength(1);
    expect(check?.output.summary).toContain("Interrupted: Sluice stopped while reconciling project `net`");
    // The reconcile's Deployment is ended once too, not left in progress.
    await h.sim.waitFor(() => h.sim.deployments(repo).some((d) => d.statuses.at(-1)?.state === "error"), {
      message: "the interrupted reconcile's Deployment stayed in progress",
      timeoutMs: 30_000,
    });
    expect(h.sim.deployments(repo).map((d) => d.statuses.map((st) => st.state))).toEqual([["in_progress", "error"]]);
    // Later ticks check the project and report it paused; they apply nothing.
    await h.sim.waitFor(() => driftIssues(repo).some((i) => i.body.includes("was interrupted when Sluice stopped")), {
      message: `no drift issue says the project is paused after the interrupted reconcile; checks: ${JSON.stringify(driftRuns(repo, sha).map((c) => (c.output.summary ?? "").slice(0, 200)))}`,
      timeoutMs: 120_000,
    });
    const seen = driftRuns(repo, sha).length;
    await h.sim.waitFor(() => driftRuns(repo, sha).filter((c, i) => i >= seen && c.status === "completed").length >= 2, {
      message: "no later drift checks",
      timeoutMs: 60_000,
    });
    expect(lines(started)).toEqual(["started"]);

    // Renamed on the default branch while paused: the pause holds what is live in its dir and
    // workspace, so the project is not reconciled by itself under its new name either.
    const renamed = await h.sim.pushDefaultBranch(repo, {
      ".sluice.yaml": "version: 1\ndrift:\n  on_drift: apply\nprojects:\n  - name: core\n    dir: net\n",
    });
    await h.sim.waitFor(() => driftRuns(repo, renamed.sha).filter((c) => c.status === "completed").length >= 2, {
      message: `no completed drift checks after the rename; checks: ${JSON.stringify(driftRuns(repo, renamed.sha).map((c) => c.status))}`,
      timeoutMs: 90_000,
    });
    expect(driftRuns(repo, renamed.sha).at(-1)?.output.summary).toContain("paused");
    expect(lines(started)).toEqual(["started"]);
  }, 300_000);
});

describe("a drift check killed while it plans", () => {
  it("runs again after the restart, and the check the killed run began is closed, not left in progress", async () => {
    const marker = join(h.stateDir, "slow-plan.marker");
    // The first plan of `net` sleeps (long enough to be killed in the middle); every later one does not.
    const config = [
      "version: 1",
      "projects:",
      "  - name: net",
      "    dir: net",
      "    workflow: slow-once",
      "workflows:",
      "  slow-once:",
      "    plan:",
      "      steps:",
      `        - run: ["sh", "-c", "if [ ! -e ${marker} ]; then touch ${marker}; sleep 60; fi"]`,
      "        - init",
      "        - plan",
      "",
    ].join("\n");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "drift-kill-plan",
      files: { ".sluice.yaml": config, "net/main.tf": statefulProject("net", join(h.stateDir, "net-plan.tfstate")) },
    });
    const { sha } = await h.sim.pushDefaultBranch(repo, { "docs/README.md": "infra\n" });
    await h.sim.waitFor(() => existsSync(marker), { message: "the drift check never started planning", timeoutMs: 60_000 });
    const cut = driftRuns(repo, sha).at(-1);
    expect(cut?.status).toBe("in_progress");

    await h.restart();
    // The re-queued check plans again and reports; the killed run's check is closed as interrupted.
    await h.sim.waitFor(() => driftRuns(repo, sha).some((c) => c.id !== cut?.id && c.status === "completed"), {
      message: "the drift check did not run again after the restart",
      timeoutMs: 120_000,
    });
    await h.sim.waitFor(() => driftRuns(repo, sha).find((c) => c.id === cut?.id)?.status === "completed", {
      message: "the check the killed run began stayed in progress",
      timeoutMs: 30_000,
    });
    const closed = driftRuns(repo, sha).find((c) => c.id === cut?.id);
    expect(closed?.conclusion).toBe("cancelled");
    expect(closed?.output.title).toContain("Interrupted");
    // Control: the run after the restart is a real check of the project (it planned, nothing is left in progress by it).
    const again = driftRuns(repo, sha).find((c) => c.id !== cut?.id && c.status === "completed");
    expect(again?.conclusion).not.toBe("cancelled");
    expect(again?.output.title).not.toContain("Interrupted");
  }, 240_000);
});
