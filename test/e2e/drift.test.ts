import { readFile, writeFile } from "node:fs/promises";
import Database from "better-sqlite3";
import { join } from "node:path";
import { untilIdle } from "../support/until-idle.js";
import { plannedPr } from "./teardown-support.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources, statefulProject, tfProject } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let stateDir: string;
let n = 0;

// Every 3 seconds: scheduled runs happen while the test watches, with no manual trigger.
const SERVER_CONFIG = `drift:\n  schedule: "*/3 * * * * *"\nallowed_overrides: [drift]\n`;

beforeAll(async () => {
  h = await startHarness({ serverConfig: SERVER_CONFIG });
  // Tool runs are sandboxed: local state lives where the harness lets them write.
  stateDir = h.stateDir;
});
afterAll(async () => {
  await h?.stop();
});
// A finished test's repos would otherwise be checked every 3 seconds until the file ends: on two
// loaded cores that load starves the later tests. Their own config now says yearly (a push to
// the default branch syncs the schedule, as it would for a user).
afterEach(async () => {
  for (const repo of made.splice(0)) {
    await h.sim.pushDefaultBranch(repo, { ".sluice.yaml": 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n' });
  }
});

const driftIssues = (repo: Repo) => h.sim.issues(repo).filter((i) => i.labels.includes("sluice:drift"));
const driftChecks = (repo: Repo, sha?: string) =>
  h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/drift" && c.status === "completed");

/** Waits for a completed sluice/drift check newer than the ones seen so far, and returns it. */
async function nextCheck(repo: Repo, sha: string, seen: number) {
  await h.sim.waitFor(() => driftChecks(repo, sha).length > seen, {
    message: `no drift check #${seen + 1} on ${sha.slice(0, 7)}`,
    timeoutMs: 60_000,
  });
  return driftChecks(repo, sha)[seen] as ReturnType<typeof driftChecks>[number];
}

/** The first drift check created from now on (not one already running), once completed. */
async function checkStartedAfterNow(repo: Repo, sha: string) {
  const all = () => h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/drift");
  const index = all().length;
  await h.sim.waitFor(() => all()[index]?.status === "completed", {
    message: `no new drift check on ${sha.slice(0, 7)}`,
    timeoutMs: 60_000,
  });
  return all()[index] as ReturnType<typeof all>[number];
}

/** Repos made by the running test: once it ends they are put on a yearly schedule (see afterEach). */
const made: Repo[] = [];

async function newRepo(files: (state: string) => Record<string, string>) {
  n++;
  const state = join(stateDir, `net-${n}.tfstate`);
  const repo = await h.sim.createRepo({ owner: "acme", name: `drift-${n}`, files: files(state) });
  made.push(repo);
  h.sim.setPermission(repo, "alice", "write");
  h.sim.setPermission(repo, "rita", "read");
  return { repo, state };
}

/** Rows of the app's store, read beside the running app (read-only). */
function storeRows<T>(sql: string, ...args: unknown[]): T[] {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

type StateFile = { serial: number; resources: { instances: { attributes: Record<string, { value: unknown } | unknown> }[] }[] };

/** Sets the `input` (and `output`) of every terraform_data in a local state file, as someone would by hand. */
async function editState(stateFile: string, from: string, to: string) {
  const state = JSON.parse(await readFile(stateFile, "utf8")) as StateFile;
  expect(await stateInput(stateFile)).toContain(from);
  for (const r of state.resources) {
    for (const i of r.instances) {
      for (const key of ["input", "output"]) {
        const attr = i.attributes[key] as { value: unknown } | undefined;
        if (attr && attr.value === from) attr.value = to;
      }
    }
  }
  state.serial += 1;
  await writeFile(stateFile, JSON.stringify(state, null, 2));
}

async function stateInput(stateFile: string): Promise<unknown[]> {
  // Terraform may be writing the file right now: read until it parses.
  let state: StateFile | undefined;
  for (let i = 0; !state; i++) {
    try {
      state = JSON.parse(await readFile(stateFile, "utf8")) as StateFile;
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return state.resources.flatMap((r) => r.instances.map((i) => (i.attributes.input as { value: unknown }).value));
}

/**
 * `/apply` on a drift issue, as alice, until it applies: a scheduled check (every 3 s here) may
 * replace the issue's plan between the comment and the apply, which is then refused as a user
 * would want ("not the latest drift check's plan", or made after her comment: "never saw"); she
 * reads the issue again and asks again.
 */
async function applyFromIssue(repo: Repo, issue: number): Promise<void> {
  const answers = () => h.sim.comments(repo, issue).filter((c) => /Applied the plan|⛔ refused/.test(c.body));
  for (let attempt = 0; attempt < 5; attempt++) {
    const seen = answers().length;
    await h.sim.comment(repo, issue, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => answers().length > seen, { message: `no answer to /apply on #${issue}`, timeoutMs: 90_000 });
    const answer = answers()[seen]?.body ?? "";
    if (answer.includes("Applied the plan")) return;
    if (!/not the latest drift check's plan|has no current plan|it never saw what it would apply/.test(answer))
      throw new Error(`/apply refused: ${answer.slice(0, 400)}`);
  }
  throw new Error(`/apply on #${issue} was refused five times`);
}

// Each test waits for several scheduled runs (every 3 s here) and plans and applies between them:
// 10–20 s alone, three times that beside the rest of the suite on two cores.
/**
 * A repository with one resource in git, none live, whose drift is checked only on demand (a
 * yearly schedule, allowed by the server's allowed_overrides), once: by `/drift` on alice's issue
 * `ops`. `replies` are Sluice's comments on an issue that contain a text.
 */
async function checkedOnDemand() {
  const sluice = 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n';
  const { repo, state } = await newRepo((s) => ({ ".sluice.yaml": sluice, "net/main.tf": statefulProject("net", s, 1) }));
  const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
  const replies = (issue: number, text: string) =>
    h.sim.comments(repo, issue).filter((c) => c.user === "sluice[bot]" && c.body.includes(text));
  await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
  await h.sim.waitFor(() => replies(ops.number, "Drift check").length === 1, { message: "no /drift reply", timeoutMs: 60_000 });
  const issue = driftIssues(repo)[0] as ReturnType<typeof driftIssues>[number];
  return { repo, state, ops, replies, issue };
}

describe("drift (pull mode)", { timeout: 240_000 }, () => {
  it("a commit without a PR is 'in git, not applied'; /apply on the issue applies it; a hand edit of the state is found, reported once, applied back, and the issue closes", async () => {
    const { repo, state } = await newRepo((s) => ({ "net/main.tf": statefulProject("net", s, 0) }));
    // A commit on main without a pull request: the push tells Sluice the repo and its schedule.
    const { sha } = await h.sim.pushDefaultBranch(repo, { "net/main.tf": statefulProject("net", state, 1) });
    const first = await nextCheck(repo, sha, 0);
    expect(first.conclusion).toBe("failure");
    expect(first.output.summary).toContain("in git, not applied");
    await h.sim.waitFor(() => driftIssues(repo).length === 1, { message: "no drift issue" });
    const issue = driftIssues(repo)[0] as ReturnType<typeof driftIssues>[number];
    expect(issue.title).toBe("Drift: project net");
    expect(issue.body).toContain("In git, not applied (1)");
    expect(issue.body).toContain("terraform_data.net_0");
    // The store keeps the project's last check for the console and /metrics: drifted, with its issue.
    expect(storeRows("SELECT status, issue FROM drift_checks WHERE repo = ? AND project = 'net'", repo.fullName)).toEqual([
      { status: "drifted", issue: issue.number },
    ]);

    // /apply on the issue by someone without write access: refused, nothing applied.
    await h.sim.comment(repo, issue.number, { user: "rita", body: "/apply" });
    await h.sim.waitFor(() => h.sim.comments(repo, issue.number).some((c) => c.body.includes("⛔ refused")), { message: "no refusal" });
    expect(h.sim.comments(repo, issue.number).find((c) => c.body.includes("⛔ refused"))?.body).toContain("needs write access");

    // By alice: the plan the issue shows is applied, and the next run closes the issue.
    const seen = driftChecks(repo, sha).length;
    await applyFromIssue(repo, issue.number);
    expect(await stateInput(state)).toEqual(["net-0"]);
    await h.sim.waitFor(() => issue.state === "closed", { message: "issue not closed after the apply", timeoutMs: 60_000 });
    expect(h.sim.comments(repo, issue.number).at(-1)?.body).toContain("back in line");
    // The check of that run completes right after the issue is closed.
    await h.sim.waitFor(
      () =>
        driftChecks(repo, sha)
          .slice(seen)
          .some((c) => c.conclusion === "success"),
      { message: "no successful check after the apply" },
    );
    // The apply is on record as a GitHub Deployment of the project.
    const deployments = h.sim.deployments(repo);
    expect(deployments.map((d) => [d.environment, d.sha, d.statuses.map((s) => s.state)])).toEqual([
      ["net", sha, ["in_progress", "success"]],
    ]);

    // Someone edits the state behind Sluice's back.
    await editState(state, "net-0", "hand-edit");
    const found = await checkStartedAfterNow(repo, sha);
    expect(found.conclusion).toBe("failure");
    await h.sim.waitFor(() => driftIssues(repo).filter((i) => i.state === "open").length === 1, { message: "no new drift issue" });
    const drift = driftIssues(repo).find((i) => i.state === "open") as ReturnType<typeof driftIssues>[number];
    expect(drift.body).toContain("Changed outside git (1)");
    expect(drift.body).toMatch(/terraform_data\.net_0.*`input`: `"hand-edit"` → `"net-0"`/);
    expect(drift.body).toContain(sha.slice(0, 7));
    // The second run edits the same issue: still one open issue for the project.
    const edits = drift.history.length;
    await h.sim.waitFor(() => drift.history.length > edits + 1, { message: "the issue was not edited again", timeoutMs: 60_000 });
    expect(driftIssues(repo).filter((i) => i.state === "open")).toHaveLength(1);
    expect(driftIssues(repo)).toHaveLength(2);

    await applyFromIssue(repo, drift.number);
    expect(await stateInput(state)).toEqual(["net-0"]);
    await h.sim.waitFor(() => drift.state === "closed", { message: "drift issue not closed", timeoutMs: 60_000 });
    expect(h.sim.unknownCalls).toEqual([]);
  });

  it("a change on the default branch to a module outside the project is 'in git, not applied', not drift from outside", async () => {
    const moduleFile = (value: string) => `resource "terraform_data" "m" {\n  input = "${value}"\n}\n`;
    const uses = `module "m" {\n  source = "../modules/m"\n}\n`;
    const { repo, state } = await newRepo((s) => ({
      "net/main.tf": statefulProject("net", s, 0, uses),
      "modules/m/main.tf": moduleFile("v1"),
    }));
    const { sha } = await h.sim.pushDefaultBranch(repo, { "README.md": "infra\n" });
    await nextCheck(repo, sha, 0);
    await h.sim.waitFor(() => driftIssues(repo).length === 1, { message: "no drift issue" });
    const issue = driftIssues(repo)[0] as ReturnType<typeof driftIssues>[number];
    await applyFromIssue(repo, issue.number);
    await h.sim.waitFor(() => issue.state === "closed", { message: "issue not closed after the apply", timeoutMs: 60_000 });
    expect(await stateInput(state)).toEqual(["v1"]);

    // Only the module changes on the default branch: the project's own dir is as it was applied.
    const moved = await h.sim.pushDefaultBranch(repo, { "modules/m/main.tf": moduleFile("v2") });
    const check = await nextCheck(repo, moved.sha, 0);
    expect(check.conclusion).toBe("failure");
    await h.sim.waitFor(() => driftIssues(repo).filter((i) => i.state === "open").length === 1, { message: "no new drift issue" });
    const drift = driftIssues(repo).find((i) => i.state === "open") as ReturnType<typeof driftIssues>[number];
    expect(drift.body).toContain("In git, not applied (1)");
    expect(drift.body).not.toContain("Changed outside git");
  });

  it("on_drift: apply reverts drift with no human, and a plan that destroys is reported, not applied", async () => {
    const sluice = "version: 1\ndrift:\n  on_drift: apply\n";
    const { repo, state } = await newRepo((s) => ({ ".sluice.yaml": sluice, "net/main.tf": statefulProject("net", s, 2) }));
    const { sha } = await h.sim.pushDefaultBranch(repo, { "docs/README.md": "infra\n" });
    // First run: the whole project is "in git, not applied" and Sluice applies it by itself.
    const first = await nextCheck(repo, sha, 0);
    expect(first.output.summary).toContain("drift reverted");
    expect(first.conclusion).toBe("success");
    expect(await stateInput(state)).toEqual(["net-0", "net-1"]);
    expect(h.sim.deployments(repo).map((d) => d.statuses.at(-1)?.state)).toEqual(["success"]);

    await editState(state, "net-1", "hand-edit");
    await h.sim.waitFor(async () => (await stateInput(state)).includes("net-1"), { message: "drift not reverted", timeoutMs: 60_000 });
    expect(await stateInput(state)).toEqual(["net-0", "net-1"]);
    expect(driftIssues(repo)).toEqual([]);

    // A commit that removes a resource: applying it would destroy, so it is only reported.
    const removed = await h.sim.pushDefaultBranch(repo, { "net/main.tf": statefulProject("net", state, 1) });
    const check = await nextCheck(repo, removed.sha, 0);
    expect(check.conclusion).toBe("failure");
    await h.sim.waitFor(() => driftIssues(repo).length === 1, { message: "no issue for the destroy" });
    expect(driftIssues(repo)[0]?.body).toContain("destroys or replaces resources");
    expect(await stateInput(state)).toEqual(["net-0", "net-1"]);
  });

  it("a project whose lock is held by an applied, unmerged PR is skipped: not reported, not reconciled", async () => {
    const sluice = "version: 1\ndrift:\n  on_drift: apply\n";
    const { repo, state } = await newRepo((s) => ({ ".sluice.yaml": sluice, "net/main.tf": statefulProject("net", s, 0) }));
    h.sim.setPermission(repo, "bob", "write");
    const pr = await plannedPr(h, repo, { "net/main.tf": statefulProject("net", state, 1) }, "alice", "grow");
    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/apply" && c.status === "completed"), {
      message: "no apply",
      timeoutMs: 60_000,
    });
    expect(await stateInput(state)).toEqual(["net-0"]);
    // The PR's apply is on record as a deployment too.
    expect(h.sim.deployments(repo).map((d) => [d.environment, d.sha])).toEqual([["net", pr.headSha]]);

    const { sha } = await h.sim.pushDefaultBranch(repo, { "docs/README.md": "infra\n" });
    const check = await nextCheck(repo, sha, 0);
    expect(check.conclusion).toBe("neutral");
    expect(check.output.summary).toContain(`#${pr.number} applied, not merged yet`);
    expect(driftIssues(repo)).toEqual([]);
    // Not reconciled: the default branch (0 resources) was not applied over the PR's state.
    expect(await stateInput(state)).toEqual(["net-0"]);
  });

  it("sensitive values in drifted attributes never reach an issue, a check or the log", async () => {
    const secret = "hunter2-s3cr3t-value";
    const edited = "edited-s3cr3t-value-42";
    const tf = (s: string) =>
      `${statefulProject("vault", s, 0)}\nvariable "pw" {\n  type      = string\n  sensitive = true\n  default   = "${secret}"\n}\n\nresource "terraform_data" "pw" {\n  input = var.pw\n}\n`;
    // A yearly schedule: only /drift runs checks here, so no scheduled check replaces the issue's
    // plan while /apply is on its way (on a loaded machine the 3 s schedule always won that race).
    const sluice = 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n';
    const { repo, state } = await newRepo((s) => ({ ".sluice.yaml": sluice, "vault/main.tf": tf(s) }));
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    const checksRun = () => h.sim.comments(repo, ops.number).filter((c) => c.user === "sluice[bot]" && c.body.includes("Drift check"));
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => checksRun().length === 1, { message: "no /drift reply", timeoutMs: 60_000 });
    await h.sim.waitFor(() => driftIssues(repo).length === 1, { message: "no issue" });
    const issue = driftIssues(repo)[0] as ReturnType<typeof driftIssues>[number];
    await applyFromIssue(repo, issue.number);
    // The next check finds nothing left to do and closes the issue.
    const closings = () => h.sim.deliveries.filter((d) => d.event === "issues" && d.action === "closed" && d.status === 202).length;
    const closedBefore = closings();
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => issue.state === "closed", { message: "not applied and closed", timeoutMs: 60_000 });
    await h.sim.waitFor(() => checksRun().length === 2, { message: "no second /drift reply", timeoutMs: 60_000 });
    // Sluice closed it itself (the drift is gone): its issues.closed event discards nothing more and says nothing.
    await h.sim.waitFor(() => closings() > closedBefore, { message: "no issues.closed event for Sluice's own closing" });
    await untilIdle(h.app.dataDir, 60_000, repo);
    expect(h.sim.comments(repo, issue.number).some((c) => c.body.includes("was discarded"))).toBe(false);
    await editState(state, secret, edited);
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => checksRun().length === 3, { message: "no third /drift reply", timeoutMs: 60_000 });
    const check = driftChecks(repo).at(-1);
    expect(check?.conclusion).toBe("failure");
    await h.sim.waitFor(() => driftIssues(repo).some((i) => i.state === "open" && i.number !== issue.number), {
      message: "no second issue",
    });
    const open = driftIssues(repo).find((i) => i.state === "open") as ReturnType<typeof driftIssues>[number];
    expect(open.body).toContain("(sensitive)");
    const everything = [
      ...driftIssues(repo).flatMap((i) => [i.title, ...i.history]),
      ...driftIssues(repo).flatMap((i) => h.sim.comments(repo, i.number).flatMap((c) => c.history)),
      ...driftChecks(repo).flatMap((c) => [c.output.title, c.output.summary, c.output.text]),
      h.app.output(),
    ].join("\n");
    expect(everything).toContain("terraform_data.pw");
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(edited);
  });

  it("/drift on a PR runs a check now; /drift pause and resume need write access and are answered", async () => {
    const { repo, state } = await newRepo((s) => ({ "net/main.tf": statefulProject("net", s, 1) }));
    await h.sim.pushBranch(repo, { branch: "docs", files: { "README.md": "hi\n" } });
    const pr = await h.sim.openPullRequest(repo, { head: "docs", author: "alice" });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/drift -p net" });
    await h.sim.waitFor(() => storeRows("SELECT id FROM jobs WHERE repo = ? AND kind = 'drift-check'", repo.fullName).length > 0, {
      message: "no drift check queued",
    });
    expect(h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/apply" && c.status === "completed")).toBe(false);
    await writeFile(`${state}.go`, "");
    await h.sim.waitFor(() => h.sim.comments(repo, pr.number).some((c) => c.body.includes("Drift check")), {
      message: "no /drift reply",
      timeoutMs: 60_000,
    });
    expect(h.sim.comments(repo, pr.number).find((c) => c.body.includes("Drift check"))?.body).toContain("Drift in 1 of 1 project");
    await h.sim.comment(repo, pr.number, { user: "rita", body: "/drift pause -p net -- migrating" });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/drift pause -p net -- migrating the network" });
    await h.sim.waitFor(() => h.sim.comments(repo, pr.number).some((c) => c.body.includes("is paused")), { message: "no pause reply" });
    expect(h.sim.comments(repo, pr.number).some((c) => c.body.includes("Not run") && c.body.includes("needs write access"))).toBe(true);
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/drift pause -p nope -- typo" });
    await h.sim.waitFor(() => h.sim.comments(repo, pr.number).some((c) => c.body.includes("there is no project")), {
      message: "no reply to a typo",
    });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/drift pause -p net" });
    await h.sim.waitFor(() => h.sim.comments(repo, pr.number).some((c) => c.body.includes("needs a reason")), {
      message: "no reply to a pause without reason",
    });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/drift resume -p net" });
    await h.sim.waitFor(() => h.sim.comments(repo, pr.number).some((c) => c.body.includes("is resumed")), { message: "no resume reply" });
    // Both are in the audit trail (the refused and the mistaken ones are not).
    expect(storeRows("SELECT actor, action, project, pr, detail FROM audit_events WHERE repo = ? ORDER BY id", repo.fullName)).toEqual([
      { actor: "alice", action: "drift-pause", project: "net", pr: pr.number, detail: "migrating the network" },
      { actor: "alice", action: "drift-resume", project: "net", pr: pr.number, detail: "" },
    ]);
    expect(await stateInput(state).catch(() => [])).toEqual([]);
  });

  it("a drift check and a PR apply of the same project never overlap (the state lock would fail the second)", async () => {
    // The apply waits for `go`, written once the drift check is asked for: with a fixed sleep, a
    // busy machine could end the apply first, and the test passed with nothing overlapping.
    const slow = (s: string) =>
      `${statefulProject("net", s, 0)}\nresource "terraform_data" "slow" {\n  input = "slow"\n  provisioner "local-exec" {\n    command = "until [ -e ${s}.go ]; do sleep 0.05; done"\n  }\n}\n`;
    const { repo, state } = await newRepo((s) => ({ "net/main.tf": statefulProject("net", s, 0) }));
    h.sim.setPermission(repo, "bob", "write");
    const pr = await plannedPr(h, repo, { "net/main.tf": slow(state) }, "alice", "slow");
    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/apply" && c.status === "in_progress"), {
      message: "apply not running",
    });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/drift -p net" });
    await h.sim.waitFor(() => storeRows("SELECT id FROM jobs WHERE repo = ? AND kind = 'drift-check'", repo.fullName).length > 0, {
      message: "no drift check queued",
    });
    expect(h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/apply" && c.status === "completed")).toBe(false);
    await writeFile(`${state}.go`, "");
    await h.sim.waitFor(() => h.sim.comments(repo, pr.number).some((c) => c.body.includes("Drift check")), {
      message: "no drift reply",
      timeoutMs: 90_000,
    });
    // The apply's check run is completed when its job ends, after it let the project's run lock go:
    // the drift check, waiting for that lock, can reply first.
    const applied = () => h.sim.checkRuns(repo, pr.headSha).find((c) => c.name === "sluice/apply" && c.status === "completed");
    await h.sim.waitFor(() => applied() !== undefined, { message: "the apply's check run not completed", timeoutMs: 60_000 });
    expect(applied()?.conclusion).toBe("success");
    const reply = h.sim.comments(repo, pr.number).find((c) => c.body.includes("Drift check"))?.body ?? "";
    // Planned after the apply: it sees the PR's applied-but-unmerged lock, and no state-lock error.
    expect(reply).not.toContain("check failed");
    expect(reply).toContain("applied, not merged yet");
  });

  it("/apply on a drift issue is refused when the default branch moved, and applies once the issue shows the new head", async () => {
    const { repo, state, ops, replies, issue } = await checkedOnDemand();
    expect(issue.body).toContain("In git, not applied (1)");

    await h.sim.pushDefaultBranch(repo, { "docs/README.md": "moved on\n" });
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => replies(issue.number, "⛔ refused").length === 1, { message: "no refusal", timeoutMs: 60_000 });
    expect(replies(issue.number, "⛔ refused")[0]?.body).toContain("the default branch moved since this plan");
    expect(await stateInput(state).catch(() => [])).toEqual([]);

    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift -p net" });
    await h.sim.waitFor(() => replies(ops.number, "Drift check").length === 2, { message: "no second /drift reply", timeoutMs: 60_000 });
    expect(driftIssues(repo)).toHaveLength(1);
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => replies(issue.number, "Applied the plan").length === 1, { message: "not applied", timeoutMs: 60_000 });
    expect(await stateInput(state)).toEqual(["net-0"]);
    // The plan is used once.
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => replies(issue.number, "⛔ refused").length === 2, { message: "no second refusal", timeoutMs: 60_000 });
    expect(replies(issue.number, "⛔ refused")[1]?.body).toContain("no current plan");
  });

  it("a reconcile planned at a head the default branch has since left is not applied: it is refused as the branch moved", async () => {
    const sluice = 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n  on_drift: apply\n';
    const { repo, state } = await newRepo((s) => ({ ".sluice.yaml": sluice, "net/main.tf": statefulProject("net", s, 1) }));
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    const replies = () => h.sim.comments(repo, ops.number).filter((c) => c.user === "sluice[bot]" && c.body.includes("Drift check"));
    // The check is held between reading the default branch head (and checking it out) and planning
    // it: the branch moves meanwhile, as a merge does while a scheduled check of many projects runs.
    let release = () => {};
    let arrived = false;
    h.sim.failNext({
      method: "POST",
      pathPattern: new RegExp(`^/repos/${repo.fullName}/check-runs$`),
      holdUntil: new Promise<void>((r) => {
        release = r;
      }),
      onHeld: () => {
        arrived = true;
      },
    });
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift -p net" });
    await h.sim.waitFor(() => arrived, { message: "the drift check never created its check run", timeoutMs: 60_000 });
    const moved = await h.sim.pushDefaultBranch(repo, { "net/main.tf": statefulProject("net", state, 2) });
    release();
    await h.sim.waitFor(() => replies().length === 1, { message: "no /drift reply", timeoutMs: 90_000 });
    // The plan of the older head is not applied: git's state is now the new head's.
    expect(replies()[0]?.body).toContain("the default branch moved since this plan");
    expect(await stateInput(state).catch(() => [])).toEqual([]);
    expect(h.sim.deployments(repo)).toEqual([]);

    // Control: the next check plans the head the branch is at, and reconciles it.
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift -p net" });
    await h.sim.waitFor(() => replies().length === 2, { message: "no second /drift reply", timeoutMs: 90_000 });
    expect(replies()[1]?.body).toContain(moved.sha.slice(0, 7));
    expect(await stateInput(state)).toEqual(["net-0", "net-1"]);
  });

  it("/apply on a drift issue is refused when the default branch moves while it waits for the project's run lock", async () => {
    const { repo, state, replies, issue } = await checkedOnDemand();

    // A PR's `/import` of the project holds its run lock (the PR does not change it: no project
    // lock is taken, the gate refuses it) while GitHub is slow to list the PR's reviews.
    const pr = await plannedPr(h, repo, { "docs/README.md": "docs\n" }, "alice", "docs");
    let release = () => {};
    let arrived = false;
    h.sim.failNext({
      method: "GET",
      pathPattern: new RegExp(`^/repos/${repo.fullName}/pulls/${pr.number}/reviews$`),
      holdUntil: new Promise<void>((r) => {
        release = r;
      }),
      onHeld: () => {
        arrived = true;
      },
    });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/import -p net terraform_data.net_0 x" });
    await h.sim.waitFor(() => arrived, { message: "the import never asked for the PR's reviews", timeoutMs: 60_000 });
    // `/apply` reads the default branch head, then waits for the run lock; the branch moves meanwhile.
    const seen = h.sim.calls.length;
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(
      () => h.sim.calls.slice(seen).some((c) => c.method === "GET" && c.path === `/repos/${repo.fullName}/branches/main`),
      { message: "the drift apply never read the default branch", timeoutMs: 60_000 },
    );
    await h.sim.pushDefaultBranch(repo, { "docs/README.md": "moved on\n" });
    release();
    await h.sim.waitFor(() => replies(issue.number, "Nothing was applied").length + replies(issue.number, "Applied the plan").length > 0, {
      message: "no answer to /apply",
      timeoutMs: 60_000,
    });
    expect(replies(issue.number, "Applied the plan")).toEqual([]);
    expect(replies(issue.number, "⛔ refused")[0]?.body).toContain("the default branch moved since this plan");
    expect(await stateInput(state).catch(() => [])).toEqual([]);
  });

  it("a drift issue closed by hand discards its plan, bytes in the store included, and says so on the issue", async () => {
    const sluice = 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n';
    const { repo, state } = await newRepo((s) => ({ ".sluice.yaml": sluice, "net/main.tf": statefulProject("net", s, 1) }));
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    // The check's answer comes once the issue shows its plan (the issue itself is made first).
    const answered = () => h.sim.comments(repo, ops.number).some((c) => c.user === "sluice[bot]" && c.body.includes("Drift check"));
    await h.sim.waitFor(answered, { message: "no /drift reply", timeoutMs: 60_000 });
    expect(driftIssues(repo)).toHaveLength(1);
    const issue = driftIssues(repo)[0] as ReturnType<typeof driftIssues>[number];
    const kept = () =>
      storeRows<{ pending: number; bytes: number }>(
        "SELECT count(*) AS pending, count(f.bytes) AS bytes FROM plans p LEFT JOIN plan_files f ON f.plan_id = p.id WHERE p.repo = ? AND p.pr = ? AND p.status = 'pending'",
        repo.fullName,
        issue.number,
      )[0];
    expect(kept()).toEqual({ pending: 1, bytes: 1 });

    await h.sim.closeIssue(repo, issue.number, { user: "alice" });
    const said = () => h.sim.comments(repo, issue.number).filter((c) => c.user === "sluice[bot]" && c.body.includes("was discarded"));
    await h.sim.waitFor(() => said().length === 1, { message: "nothing said on the closed issue", timeoutMs: 30_000 });
    expect(said()[0]?.body).toContain("closed by `alice`");
    expect(kept()).toEqual({ pending: 0, bytes: 0 });
    // Reopened by hand, it has nothing to apply.
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => h.sim.comments(repo, issue.number).some((c) => c.body.includes("⛔ refused")), { message: "no refusal" });
    expect(await stateInput(state).catch(() => [])).toEqual([]);
  });

  it("on_drift: apply does not reconcile a paused project, nor one whose lock a PR holds: both are reported with the reason", async () => {
    const sluice = "version: 1\ndrift:\n  on_drift: apply\n";
    const { repo, state } = await newRepo((s) => ({ ".sluice.yaml": sluice, "net/main.tf": statefulProject("net", s, 1) }));
    const { sha } = await h.sim.pushDefaultBranch(repo, { "docs/README.md": "infra\n" });
    await nextCheck(repo, sha, 0);
    await h.sim.waitFor(async () => (await stateInput(state).catch((): unknown[] => [])).includes("net-0"), {
      message: "not reconciled at first",
      timeoutMs: 60_000,
    });

    const ops = h.sim.openIssue(repo, { title: "ops", author: "alice" });
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift pause -p net -- hands off during the migration" });
    await h.sim.waitFor(() => h.sim.comments(repo, ops.number).some((c) => c.body.includes("is paused")), { message: "no pause reply" });
    await editState(state, "net-0", "hand-edit");
    await h.sim.waitFor(() => driftIssues(repo).some((i) => i.state === "open" && i.body.includes("paused")), {
      message: "no issue for the paused project",
      timeoutMs: 60_000,
    });
    const issue = driftIssues(repo).find((i) => i.state === "open") as ReturnType<typeof driftIssues>[number];
    expect(issue.body).toContain("reconciliation is paused by alice (hands off during the migration)");
    expect(await stateInput(state)).toEqual(["hand-edit"]);

    // Resumed, but a PR now holds the project's lock (its plan took it): still only reported.
    const pr = await plannedPr(h, repo, { "net/main.tf": statefulProject("net", state, 2) }, "alice", "grow");
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift resume -p net" });
    await h.sim.waitFor(() => h.sim.comments(repo, ops.number).some((c) => c.body.includes("is resumed")), { message: "no resume reply" });
    await h.sim.waitFor(() => issue.body.includes(`#${pr.number} holds the project`), {
      message: "the issue does not say a PR holds the lock",
      timeoutMs: 60_000,
    });
    expect(await stateInput(state)).toEqual(["hand-edit"]);

    // The PR closes: its lock goes, and the next run reverts the drift by itself and closes the issue.
    await h.sim.closePullRequest(repo, pr.number);
    await h.sim.waitFor(() => issue.state === "closed", { message: "issue not closed after the reconcile", timeoutMs: 60_000 });
    expect(await stateInput(state)).toEqual(["net-0"]);
  }, 180_000);

  it("on_drift: apply is a project's trusted setting, found by its dir and workspace: an autodiscovered dir named like a configured project is not reconciled with that project's opt-in", async () => {
    // `infra/net` is configured as `net` and opts in to reconcile; the dir `net` is autodiscovered,
    // and autodiscovery names a project after its dir: `net` too. Nobody opted that one in.
    const sluice =
      'version: 1\nautodiscover: { mode: enabled }\ndrift:\n  schedule: "0 0 1 1 *"\nprojects:\n  - name: net\n    dir: infra/net\n    drift: { on_drift: apply, allow_destroy: true }\n';
    const { repo, state } = await newRepo((s) => ({
      ".sluice.yaml": sluice,
      "infra/net/main.tf": statefulProject("prod", s, 1),
      "net/main.tf": statefulProject("scratch", s.replace(/\.tfstate$/, "-scratch.tfstate"), 1),
    }));
    const scratch = state.replace(/\.tfstate$/, "-scratch.tfstate");
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    const replies = () => h.sim.comments(repo, ops.number).filter((c) => c.user === "sluice[bot]" && c.body.includes("Drift check"));
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => replies().length === 1, { message: "no /drift reply", timeoutMs: 90_000 });
    // Control: the configured project that opted in is reconciled.
    expect(await stateInput(state)).toEqual(["prod-0"]);
    // The autodiscovered dir is reported, never applied by itself.
    expect(await stateInput(scratch).catch((): unknown[] => [])).toEqual([]);
    expect(h.sim.deployments(repo).map((d) => d.environment)).toEqual(["net"]);
  }, 180_000);

  it("on_drift: apply reconciles the default branch's projects only: `/drift -d DIR -w WS` names a workspace no project has (a PR's preview), which is reported, never applied", async () => {
    const sluice = 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n  on_drift: apply\n';
    const { repo, state } = await newRepo((s) => {
      const tf = `terraform {\n  backend "local" {\n    path          = "${s}"\n    workspace_dir = "${s}.d"\n  }\n}\n\n${tfProject("net", 1)}`;
      return { ".sluice.yaml": sluice, "net/main.tf": tf };
    });
    const preview = join(`${state}.d`, "pr-7", "terraform.tfstate");
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    const replies = () => h.sim.comments(repo, ops.number).filter((c) => c.user === "sluice[bot]" && c.body.includes("Drift check"));
    // Control: the project the default branch has (autodiscovered dir `net`, workspace default) is reconciled.
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift -d net" });
    await h.sim.waitFor(() => replies().length === 1, { message: "no /drift reply", timeoutMs: 90_000 });
    expect(await stateInput(state)).toEqual(["net-0"]);
    // A writer names another workspace of the dir: PR #7's preview lives there. It is checked and
    // reported, but Sluice applies nothing into it by itself.
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift -d net -w pr-7" });
    await h.sim.waitFor(() => replies().length === 2, { message: "no second /drift reply", timeoutMs: 90_000 });
    expect(await stateResources(preview)).toEqual([]);
    expect(replies()[1]?.body).toContain("not a project of the default branch");
    expect(h.sim.deployments(repo).map((d) => d.environment)).toEqual(["net"]);
  }, 180_000);

  it("a reconcile whose apply fails is not repeated on the next ticks: the project is paused and the issue says why", async () => {
    const sluice = "version: 1\ndrift:\n  on_drift: apply\n";
    const failing = (s: string) =>
      `${statefulProject("net", s, 0)}\nresource "terraform_data" "broken" {\n  input = "x"\n  provisioner "local-exec" {\n    command = "false"\n  }\n}\n`;
    const { repo } = await newRepo((s) => ({ ".sluice.yaml": sluice, "net/main.tf": failing(s) }));
    const { sha } = await h.sim.pushDefaultBranch(repo, { "docs/README.md": "infra\n" });
    await nextCheck(repo, sha, 0);
    await h.sim.waitFor(() => driftIssues(repo).length === 1, { message: "no issue for the failed reconcile", timeoutMs: 60_000 });
    // Later runs say the project is paused, and apply nothing: still one (failed) deployment.
    const issue = driftIssues(repo)[0] as ReturnType<typeof driftIssues>[number];
    await h.sim.waitFor(() => issue.body.includes("reconciling failed at"), {
      message: "the issue does not say the project is paused",
      timeoutMs: 60_000,
    });
    await checkStartedAfterNow(repo, sha);
    await checkStartedAfterNow(repo, sha);
    expect(h.sim.deployments(repo).map((d) => d.statuses.at(-1)?.state)).toEqual(["failure"]);
    expect(issue.body).toContain("drift resume -p net");
  }, 120_000);
  it("the schedule survives a restart: a scheduled check runs again without any new event, each run once", async () => {
    const { repo } = await newRepo((s) => ({ "net/main.tf": statefulProject("net", s, 0) }));
    const { sha } = await h.sim.pushDefaultBranch(repo, { "docs/README.md": "infra\n" });
    await nextCheck(repo, sha, 0);
    // A repo Sluice never heard from: the server-wide schedule reaches it once the app enrolls the
    // installation's repos at start.
    const { repo: quiet } = await newRepo((s) => ({ "net/main.tf": statefulProject("net", s, 0) }));
    await h.restart();
    await h.sim.waitFor(() => driftChecks(quiet).length > 0, { message: "the unheard-of repo was never checked", timeoutMs: 60_000 });
    const seen = driftChecks(repo, sha).length;
    await nextCheck(repo, sha, seen);
    await nextCheck(repo, sha, seen + 1);
    const ids = h.sim
      .checkRuns(repo, sha)
      .filter((c) => c.name === "sluice/drift")
      .map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    // One check per claimed run: as many check runs as drift jobs the app logged as queued.
    const queued = h.app
      .output()
      .split("\n")
      .filter((l) => l.includes("scheduled drift check queued") && l.includes(repo.fullName)).length;
    expect(queued).toBeGreaterThanOrEqual(2);
  });
});
