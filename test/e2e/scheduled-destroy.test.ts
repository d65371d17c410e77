import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyOutside } from "../support/apply-outside.js";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { appDb, appliedPr as appliedPrOf, scheduledDestroyLog } from "../support/scheduled-destroy-app.js";
import { untilIdle } from "../support/until-idle.js";

let h: Harness;
let db: ReturnType<typeof appDb>;
const rows = <T>(sql: string, ...args: unknown[]) => db.rows<T>(sql, ...args);
const shiftTime = (repo: string, ms: number) => db.shiftTime(repo, ms);
const appliedPr = (name: string, base: string, head: string, extra = "") => appliedPrOf(h, name, base, head, extra);

// The sweep looks every half second here; the hourly check and the live record's times are shifted in the store.
beforeAll(async () => {
  h = await startHarness({
    serverConfig: "allowed_overrides: [preview, drift]\napply_requirements: []\napprovals: 0\n",
    env: () => ({ SLUICE_PREVIEW_SWEEP_MS: "500" }),
  });
  db = appDb(h);
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

type Repo = Parameters<typeof h.sim.comments>[0];
/** The scheduled destroy reports of `app` on pull request `pr`. */
const said = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.body.includes("scheduled destroy of `app`"));
/** Waits for the `n`th report on `pr`; on none, prints the app's own account for the failure's reader. */
const report = (repo: Repo, pr: number, n = 1) =>
  h.sim
    .waitFor(() => said(repo, pr).length >= n, { message: `no scheduled destroy report #${n}`, timeoutMs: 120_000 })
    .catch((e: unknown) => {
      console.error(scheduledDestroyLog(h), rows("SELECT id, status, error, spec, once_key FROM jobs ORDER BY id DESC LIMIT 6"));
      throw e;
    });

const CONFIG = `version: 1
projects:
  - name: app
    dir: app
    workspace: staging
    idle_ttl: 1h
`;

describe("scheduled destroy of an ordinary workspace", { timeout: 300_000 }, () => {
  it("idle_ttl: destroyed once through the gate, said on the PR that applied it; not destroyed again", async () => {
    const { repo, pr, state } = await appliedPr("scheduled", CONFIG, CONFIG);
    // Merged: its lock on the workspace is released (a PR holding it would refuse the destroy).
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    // Not idle for an hour yet: left alone by a check.
    shiftTime(repo.fullName, 30 * 60_000);
    await db.checked(repo.fullName);
    expect(await stateResources(state)).toHaveLength(1);

    shiftTime(repo.fullName, 60 * 60_000);
    await report(repo, pr.number);
    expect(said(repo, pr.number)[0]?.body).toContain("destroyed (");
    expect(said(repo, pr.number)[0]?.body).toContain("`idle_ttl` (1h)");
    expect(await stateResources(state)).toEqual([]);
    const roads = rows<{ detail: string }>("SELECT detail FROM audit_events WHERE repo = ? AND action = 'gate-allowed'", repo.fullName);
    expect(roads.filter((r) => r.detail.startsWith("road: scheduled-destroy"))).toHaveLength(1);

    // Never twice: the next checks find the destroy in the live record.
    await untilIdle(h.app.dataDir);
    shiftTime(repo.fullName, 24 * 3600_000);
    await db.checked(repo.fullName);
    expect(said(repo, pr.number)).toHaveLength(1);
    expect(rows("SELECT id FROM jobs WHERE repo = ? AND spec LIKE ?", repo.fullName, '%"project":"app"%')).toHaveLength(1);
  });

  it("a workspace destroyed by its schedule is not brought back by on_drift: apply: the drift is reported, nothing is applied", async () => {
    const config = CONFIG.replace("version: 1\n", 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n  on_drift: apply\n');
    const { repo, pr, state } = await appliedPr("reconciled-back", config, config);
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    const replies = () => h.sim.comments(repo, ops.number).filter((c) => c.user === "sluice[bot]" && c.body.includes("Drift check"));
    // Idle for two hours: its scheduled destroy runs.
    shiftTime(repo.fullName, 2 * 3600_000);
    await report(repo, pr.number);
    expect(await stateResources(state)).toEqual([]);
    await untilIdle(h.app.dataDir);
    // The next drift check finds git's resources missing: it says so, and leaves the workspace destroyed.
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift -p app" });
    await h.sim.waitFor(() => replies().length === 1, { message: "no /drift reply", timeoutMs: 90_000 });
    await untilIdle(h.app.dataDir);
    expect(replies()[0]?.body).toContain("Drift in 1 of 1 project");
    expect(replies()[0]?.body).toContain("destroyed by its schedule");
    expect(await stateResources(state)).toEqual([]);
  });

  it("renamed on the default branch after its scheduled destroy, the workspace is still not brought back by on_drift: apply", async () => {
    const config = CONFIG.replace("version: 1\n", 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n  on_drift: apply\n');
    const { repo, pr, state } = await appliedPr("renamed-back", config, config);
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    shiftTime(repo.fullName, 2 * 3600_000);
    await report(repo, pr.number);
    expect(await stateResources(state)).toEqual([]);
    await untilIdle(h.app.dataDir);
    // The team renames the project (same dir and workspace): what lives there is what was destroyed.
    await h.sim.pushDefaultBranch(repo, { ".sluice.yaml": config.replace("name: app", "name: web") });
    await untilIdle(h.app.dataDir);
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    const replies = () => h.sim.comments(repo, ops.number).filter((c) => c.user === "sluice[bot]" && c.body.includes("Drift check"));
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift -p web" });
    await h.sim.waitFor(() => replies().length === 1, { message: "no /drift reply", timeoutMs: 90_000 });
    await untilIdle(h.app.dataDir);
    expect(await stateResources(state)).toEqual([]);
    expect(replies()[0]?.body).toContain("destroyed by its schedule");
  });

  it("attack: a commit that removes idle_ttl while a due destroy waits for the run lock keeps the workspace: the destroy is refused, the branch moved", async () => {
    const { repo, pr, state } = await appliedPr("kept", CONFIG, CONFIG);
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    // Another PR's `/import` of `app` holds the workspace's run lock (it does not change `app`: no
    // project lock is taken, the gate refuses it) while GitHub is slow to list its reviews.
    await h.sim.pushBranch(repo, { branch: "docs", files: { "README.md": "docs\n" } });
    const other = await h.sim.openPullRequest(repo, { head: "docs", author: "alice" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, other.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      message: "no plan of the other PR",
      timeoutMs: 120_000,
    });
    let release = () => {};
    let arrived = false;
    h.sim.failNext({
      method: "GET",
      pathPattern: new RegExp(`^/repos/${repo.fullName}/pulls/${other.number}/reviews$`),
      holdUntil: new Promise<void>((r) => {
        release = r;
      }),
      onHeld: () => {
        arrived = true;
      },
    });
    await h.sim.comment(repo, other.number, { user: "alice", body: "/import -p app terraform_data.web x" });
    await h.sim.waitFor(() => arrived, { message: "the import never asked for the PR's reviews", timeoutMs: 60_000 });
    // Idle for two hours: the hourly check reads the default branch and queues the workspace's
    // destroy, which reads it again and waits for the run lock. The commit keeping it lands then.
    const seen = h.sim.calls.length;
    shiftTime(repo.fullName, 2 * 3600_000);
    const headReads = () =>
      h.sim.calls.slice(seen).filter((c) => c.method === "GET" && c.path === `/repos/${repo.fullName}/branches/main`).length;
    await h.sim.waitFor(() => headReads() >= 2, { message: "the destroy never read the default branch", timeoutMs: 60_000 });
    await h.sim.pushDefaultBranch(repo, { ".sluice.yaml": CONFIG.replace("    idle_ttl: 1h\n", "") });
    release();
    await report(repo, pr.number);
    expect(said(repo, pr.number)[0]?.body).toContain("the default branch moved since this plan");
    expect(await stateResources(state)).toHaveLength(1);
  });

  it("attack: a PR that adds idle_ttl to its own config and is applied sets nothing; the base branch's config decides", async () => {
    const plain = CONFIG.replace("    idle_ttl: 1h\n", "");
    const { repo, pr, state } = await appliedPr("sneaky", plain, CONFIG);
    // Closed unmerged: its lock goes, so nothing but the config could keep the workspace alive.
    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    shiftTime(repo.fullName, 48 * 3600_000);
    await db.checked(repo.fullName);
    expect(await stateResources(state)).toHaveLength(1);
    expect(rows("SELECT id FROM jobs WHERE repo = ? AND spec LIKE ?", repo.fullName, '%"project":"app"%')).toEqual([]);
  });
});

// Long past: the workspace's apply is moved before it, or the apply would count as bringing it back.
const AT_CONFIG = `version: 1
projects:
  - name: app
    dir: app
    workspace: staging
    destroy_at: "2001-01-01T00:00:00Z"
`;
const WHY = "`destroy_at` (2001-01-01T00:00:00Z) passed";

describe("destroy_at of an ordinary workspace", { timeout: 300_000 }, () => {
  const gateAllowed = (repo: string) =>
    rows<{ detail: string }>("SELECT detail FROM audit_events WHERE repo = ? AND action = 'gate-allowed'", repo).filter((r) =>
      r.detail.startsWith("road: scheduled-destroy"),
    );

  it("a workspace that takes another project's outputs is destroyed with them (a variable without a default)", async () => {
    const dir = await mkdtemp(join(h.stateDir, "sched-inputs-"));
    const network = `terraform {\n  backend "local" {\n    path = "${join(dir, "network.tfstate")}"\n  }\n}\nresource "terraform_data" "vpc" {\n  input = "vpc-1"\n}\noutput "vpc_id" {\n  value = terraform_data.vpc.output\n}\n`;
    const app = (v: string) =>
      `terraform {\n  backend "local" {\n    workspace_dir = "${join(dir, "ws")}"\n  }\n}\nvariable "vpc_id" {\n  type = string\n}\nresource "terraform_data" "app" {\n  input = "\${var.vpc_id}-${v}"\n}\n`;
    const config = `version: 1\nprojects:\n  - name: network\n    dir: network\n  - name: app\n    dir: app\n    workspace: staging\n    idle_ttl: 1h\n    inputs_from:\n      vpc_id: network.vpc_id\n`;
    // Production's network, applied before Sluice: its state is read, never changed.
    await applyOutside(dir, network);
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "sched-inputs",
      files: { ".sluice.yaml": config, "network/main.tf": network, "app/main.tf": app("v1") },
    });
    h.sim.setPermission(repo, "alice", "write");
    await h.sim.pushBranch(repo, { branch: "grow", files: { "app/main.tf": app("v2") } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      message: "no plan",
      timeoutMs: 120_000,
    });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/apply -p app" });
    const state = join(dir, "ws", "staging", "terraform.tfstate");
    await h.sim.waitFor(async () => (await stateResources(state)).length === 1, { message: "not applied", timeoutMs: 120_000 });
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    const networkState = await readFile(join(dir, "network.tfstate"), "utf8");

    shiftTime(repo.fullName, 2 * 3600_000);
    await report(repo, pr.number);
    expect(said(repo, pr.number)[0]?.body).toContain("destroyed (");
    expect(await stateResources(state)).toEqual([]);
    expect(await readFile(join(dir, "network.tfstate"), "utf8")).toBe(networkState);
  });

  it("its time passed: destroyed once through the gate, the state read back empty, said on the PR; never again", async () => {
    const { repo, pr, state } = await appliedPr("doomed", AT_CONFIG, AT_CONFIG);
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    // Applied after its destroy_at (now): brought back on purpose, so left alone.
    db.appliedAt(repo.fullName, new Date().toISOString());
    await db.nextCheck(repo.fullName);
    expect(await stateResources(state)).toHaveLength(1);
    expect(said(repo, pr.number)).toEqual([]);

    db.appliedAt(repo.fullName, "2000-06-01T00:00:00Z");
    await report(repo, pr.number, 1);
    expect(said(repo, pr.number)[0]?.body).toContain("destroyed (+0 ~0 -1)");
    expect(said(repo, pr.number)[0]?.body).toContain(WHY);
    expect(await stateResources(state)).toEqual([]);
    expect(gateAllowed(repo.fullName)).toHaveLength(1);
    // A success keeps no attempts.
    expect(db.attempts(repo.fullName)).toEqual([]);

    await untilIdle(h.app.dataDir);
    await db.nextCheck(repo.fullName);
    expect(said(repo, pr.number)).toHaveLength(1);
    expect(gateAllowed(repo.fullName)).toHaveLength(1);
  });

  it("a failing destroy is said once, waits out its backoff, is tried again without being said again, and its success is said", async () => {
    // Its destroy-time provisioner fails while the hold file exists.
    const hold = join(h.stateDir, "hold-stubborn");
    await writeFile(hold, "x\n");
    const provisioner = `  provisioner "local-exec" {\n    when    = destroy\n    command = "test ! -e ${hold}"\n  }\n`;
    const { repo, pr, state } = await appliedPr("stubborn", AT_CONFIG, AT_CONFIG, provisioner);
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);

    db.appliedAt(repo.fullName, "2000-06-01T00:00:00Z");
    await report(repo, pr.number, 1);
    await untilIdle(h.app.dataDir);
    const first = said(repo, pr.number)[0]?.body ?? "";
    expect(first).toContain("failed (attempt 1)");
    expect(first).toContain("tried again from");
    // The tool's own words, not only its exit code.
    expect(first).toContain("Error: local-exec provisioner error");
    expect(await stateResources(state)).toHaveLength(1);
    const [kept] = db.attempts(repo.fullName);
    expect(kept?.attempts).toBe(1);
    // Within its backoff: the next check queues no attempt.
    await db.nextCheck(repo.fullName);
    expect(db.attempts(repo.fullName)[0]?.attempts).toBe(1);
    expect(rows("SELECT id FROM jobs WHERE once_key LIKE ?", `scheduled-destroy:${repo.fullName}:%:try:2:%`)).toEqual([]);

    // The backoff over: attempt 2 fails alike, and is not said again.
    db.backoffOver(repo.fullName);
    await db.nextCheck(repo.fullName);
    expect(db.attempts(repo.fullName)[0]).toMatchObject({ attempts: 2, message: kept?.message });
    expect(db.attempts(repo.fullName)[0]?.nextAt).toBeGreaterThan(kept?.nextAt ?? 0);
    expect(said(repo, pr.number)).toHaveLength(1);
    expect(await stateResources(state)).toHaveLength(1);

    // The cause gone: attempt 3 destroys it, and says so.
    await rm(hold);
    db.backoffOver(repo.fullName);
    await report(repo, pr.number, 2);
    expect(said(repo, pr.number)[1]?.body).toContain("destroyed on attempt 3");
    expect(await stateResources(state)).toEqual([]);
    expect(db.attempts(repo.fullName)).toEqual([]);
  });
});
