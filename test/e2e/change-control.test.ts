import Database from "better-sqlite3";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { bot, completed, say } from "./trust-holes-support.js";

// Change control at the gate: apply windows, freezes, per-project permissions, verified commits.
// The windows are built around the real clock: one that opens for a minute a year is closed now,
// a freeze from an hour ago to tomorrow is on now; no test waits for time to pass.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
const hour = 3600e3;

beforeAll(async () => {
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  h = await startHarness({
    serverConfig: [
      "apply_requirements: []",
      "admins: [alice]",
      "agents: [robo]",
      "allowed_overrides: [apply_requirements, drift]",
      "drift:",
      '  schedule: "0 0 1 1 *"',
      "apply_windows:",
      '  - match: "acme/cc-window:prod"',
      '    allow: "0 0 1 1 *"',
      "    duration: 1m",
      "    timezone: Europe/Berlin",
      "freezes:",
      '  - match: "acme/cc-freeze"',
      `    from: "${iso(Date.now() - hour)}"`,
      `    to: "${iso(Date.now() + 24 * hour)}"`,
      "    reason: year-end freeze",
      "permissions:",
      '  - match: "acme/cc-perm:prod"',
      "    apply: [carol, acme/sre]",
      "    unlock: [carol]",
      '  - match: "acme/cc-perm-unlock:prod"',
      "    unlock: [carol]",
      '  - match: "acme/cc-perm-drift:net"',
      "    apply: [carol]",
      '  - match: "acme/cc-perm-scheduled:net"',
      "    apply: [carol]",
      '  - match: "acme/cc-perm-renamed:prod"',
      "    plan: [bob, erin]",
      "    apply: [erin]",
      "api:",
      "  enabled: true",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
});

async function prodPr(name: string, files: (state: string) => Record<string, string> = () => ({})) {
  const state = join(h.stateDir, `${name}.tfstate`);
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { "prod/main.tf": statefulProject("prod", state, 0), ...files(state) },
  });
  for (const [u, role] of [
    ["alice", "admin"],
    ["bob", "write"],
    ["carol", "write"],
    ["dave", "write"],
  ] as const)
    h.sim.setPermission(repo, u, role);
  await h.sim.pushBranch(repo, { branch: "grow", files: { "prod/main.tf": statefulProject("prod", state, 1) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr, state };
}

function audit(repo: Repo): { action: string; actor: string; detail: string }[] {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT action, actor, detail FROM audit_events WHERE repo = ? ORDER BY id").all(repo.fullName) as {
      action: string;
      actor: string;
      detail: string;
    }[];
  } finally {
    db.close();
  }
}

/** An operator's API token, put in the store as an admin's issue would (only its digest is kept). */
function apiToken(name: string): string {
  const token = `sluice_${randomBytes(32).toString("base64url")}`;
  const db = new Database(join(h.app.dataDir, "sluice.db"), { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    db.prepare("INSERT INTO api_tokens (name, digest, scopes, repos, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
      name,
      createHash("sha256").update(token).digest("hex"),
      JSON.stringify(["operate"]),
      "[]",
      "test",
      new Date().toISOString(),
      new Date(Date.now() + 24 * hour).toISOString(),
    );
  } finally {
    db.close();
  }
  return token;
}

/**
 * acme/NAME reconciling its drift (`on_drift: apply`), `writers` its writers, and a merge nobody
 * applied: git differs from what is live, and a reconcile puts git's state back. `host` is dave's
 * issue to ask `/drift` on.
 */
async function mergedUnapplied(name: string, writers: string[]) {
  const state = join(h.stateDir, `${name}.tfstate`);
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": "version: 1\ndrift:\n  on_drift: apply\n", "net/main.tf": statefulProject("net", state, 0) },
  });
  for (const u of writers) h.sim.setPermission(repo, u, "write");
  await h.sim.pushDefaultBranch(repo, { "net/main.tf": statefulProject("net", state, 1) });
  const host = h.sim.openIssue(repo, { title: "drift host", author: "dave" });
  return { repo, state, host };
}

describe("change control at the gate", { timeout: 300_000 }, () => {
  it("outside its apply window a project is refused with when it opens; an admin's override applies and is audited", async () => {
    const { repo, pr, state } = await prodPr("cc-window");
    const plan = h.sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
    expect(plan).toContain("⏰ `prod` may not be applied now: it is outside the project's apply windows");
    const refused = await say(h, repo, pr.number, "bob", "/apply");
    expect(refused).toContain("outside the apply window: it is outside the project's apply windows (`0 0 1 1 *` (Europe/Berlin))");
    expect(refused).toMatch(/it may next be applied from \d{4}-01-0[1] |it may next be applied from \d{4}-12-31 23:00 UTC/);
    const notAdmin = (await say(h, repo, pr.number, "bob", "/apply --override-window -- hotfix for INC-7")).replace(/\u200b/g, "");
    expect(notAdmin).toContain("is for this server's admins only, and @bob is not one");
    expect(await stateResources(state)).toEqual([]);

    const applied = await say(h, repo, pr.number, "alice", "/apply --override-window -- hotfix for INC-7");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.prod_0"]);
    const events = audit(repo);
    expect(events.filter((e) => e.action === "gate-refused" && e.detail.includes("rule: window")).length).toBe(2);
    expect(events.find((e) => e.action === "gate-allowed")).toMatchObject({
      actor: "alice",
      detail: expect.stringContaining("window overridden by @alice (it is outside the project's apply windows"),
    });
    expect(events.find((e) => e.action === "gate-allowed")?.detail).toContain("hotfix for INC-7");
  });

  it("a reconcile during a freeze waits for it, and says until when", async () => {
    const state = join(h.stateDir, "cc-freeze.tfstate");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "cc-freeze",
      files: { ".sluice.yaml": "version: 1\ndrift:\n  on_drift: apply\n", "net/main.tf": statefulProject("net", state, 0) },
    });
    h.sim.setPermission(repo, "alice", "admin");
    await h.sim.pushDefaultBranch(repo, { "net/main.tf": statefulProject("net", state, 1) });
    const host = h.sim.openIssue(repo, { title: "drift host", author: "alice" });
    const report = await say(h, repo, host.number, "alice", "/drift", "**Drift check**");
    expect(report).toContain("not reconciled, ⛔ refused: outside the apply window: a change freeze is on until");
    expect(report).toContain("(year-end freeze)");
    expect(await stateResources(state)).toEqual([]);
  });

  it("a permissions rule names accounts: the account that took a named user's freed login is refused; the user under the new login applies", async () => {
    // The autoplan asks the plan rule (bob, erin): both logins are resolved to their accounts then.
    h.sim.addUser("erin");
    const { repo, pr, state } = await prodPr("cc-perm-renamed");
    h.sim.setPermission(repo, "erin", "write");
    h.sim.renameUser("erin", "erin-2");
    h.sim.setPermission(repo, "erin", "write"); // another account registers "erin", and has write access
    const squatter = (await say(h, repo, pr.number, "erin", "/apply")).replace(/\u200b/g, "");
    expect(squatter).toContain(
      "the server's permissions rule `acme/cc-perm-renamed:prod` lets only `erin` apply this project, and @erin is not one of them",
    );
    expect(await stateResources(state)).toEqual([]);
    // Control: erin's account under its new login is the one the rule named.
    expect(await say(h, repo, pr.number, "erin-2", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.prod_0"]);
  });

  it("a reconcile a /drift comment asks for applies only for who the project's permissions rule lets apply it", async () => {
    const { repo, state, host } = await mergedUnapplied("cc-perm-drift", ["dave", "carol"]);
    const refused = await say(h, repo, host.number, "dave", "/drift", "**Drift check**");
    expect(refused).toContain("not reconciled, ⛔ refused: the server's permissions rule `acme/cc-perm-drift:net` lets only `carol` apply");
    expect(await stateResources(state)).toEqual([]);
    // Control: who may apply the project asks, and the reconcile applies.
    const applied = await say(h, repo, host.number, "carol", "/drift", "**Drift check**");
    expect(applied).not.toContain("⛔");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });

  it("a scheduled reconcile is Sluice's own: a permissions rule naming who may apply does not stop it (the trusted config asked for it)", async () => {
    const state = join(h.stateDir, "cc-perm-scheduled.tfstate");
    const every2s = 'version: 1\ndrift:\n  on_drift: apply\n  schedule: "*/2 * * * * *"\n';
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "cc-perm-scheduled",
      files: { ".sluice.yaml": every2s, "net/main.tf": statefulProject("net", state, 1) },
    });
    // A push to the default branch makes the server read the schedule at once.
    await h.sim.pushDefaultBranch(repo, { "docs/README.md": "infra\n" });
    // Recorded once the apply ended and its state was read back.
    await h.sim.waitFor(() => audit(repo).some((e) => e.action === "reconcile"), {
      message: "the scheduled reconcile did not apply",
      timeoutMs: 90_000,
    });
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
    expect(audit(repo).filter((e) => e.action === "reconcile")).toEqual([
      expect.objectContaining({ actor: "sluice", detail: expect.stringMatching(/^applied /) }),
    ]);
    // Yearly again, so that its checks do not run beside the later tests.
    await h.sim.pushDefaultBranch(repo, { ".sluice.yaml": 'version: 1\ndrift:\n  on_drift: apply\n  schedule: "0 0 1 1 *"\n' });
  });

  it("an agent's /drift checks, but its reconcile is refused: an agent never applies (control: a person's applies)", async () => {
    const { repo, state, host } = await mergedUnapplied("cc-agent-drift", ["robo", "dave"]);
    const refused = await say(h, repo, host.number, "robo", "/drift", "**Drift check**");
    expect(refused).toContain("not reconciled, ⛔ refused:");
    expect(refused).toContain("is an agent (server setting `agents`)");
    expect(await stateResources(state)).toEqual([]);
    const applied = await say(h, repo, host.number, "dave", "/drift", "**Drift check**");
    expect(applied).not.toContain("⛔");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });

  it("a project's permissions rule lets only the named users and teams apply it, beyond write access", async () => {
    const { repo, pr, state } = await prodPr("cc-perm");
    const refused = await say(h, repo, pr.number, "dave", "/apply");
    expect(refused).toContain("the server's permissions rule `acme/cc-perm:prod` lets only `carol`, `acme/sre` apply this project");
    expect(await stateResources(state)).toEqual([]);
    const unlock = await say(h, repo, pr.number, "dave", "/unlock", "Not released");
    expect(unlock).toContain("lets only `carol` unlock this project");
    const applied = await say(h, repo, pr.number, "carol", "/apply");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.prod_0"]);
  });

  it("an unlock is audited when a lock is released, by whichever road (a comment, the API), and never when its job refuses", async () => {
    const { repo, pr } = await prodPr("cc-perm-unlock");
    const unlocks = () => audit(repo).filter((e) => e.action === "unlock");
    // A writer the permissions rule keeps out: nothing released, nothing recorded.
    expect(await say(h, repo, pr.number, "dave", "/unlock", "Not released")).toContain("lets only `carol` unlock this project");
    // The same through the API, with an operator's token: the console's check (write access) lets
    // it queue the /unlock job, whose permissions rule refuses it. Nothing was released, so the
    // audit must not say it was.
    const before = bot(h, repo, pr.number).length;
    const queued = await fetch(`${h.app.url}/api/v1/locks/unlock`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiToken("ops")}`, "content-type": "application/json" },
      body: JSON.stringify({ repo: repo.fullName, pr: pr.number, dir: "prod", workspace: "default" }),
    });
    expect(queued.status).toBe(202);
    await h.sim.waitFor(() => (bot(h, repo, pr.number)[before]?.body ?? "").includes("Not released"), {
      message: "the API's unlock job did not answer",
      timeoutMs: 60_000,
    });
    expect(unlocks()).toEqual([]);
    // Control: carol may unlock; her comment releases the lock, and the audit says so.
    expect(await say(h, repo, pr.number, "carol", "/unlock", "Released")).toContain("Released 1 lock");
    expect(unlocks()).toEqual([
      {
        action: "unlock",
        actor: "carol",
        detail: expect.stringMatching(/^released by `\/unlock` on the pull request \(dir prod, workspace default; job \d+\)$/),
      },
    ]);
  });

  it("`verified_commits`: an unverified commit blocks the apply, named; once GitHub verifies it, it applies", async () => {
    const { repo, pr, state } = await prodPr("cc-verified", () => ({
      ".sluice.yaml": "version: 1\nprojects:\n  - name: prod\n    dir: prod\n    apply_requirements: [verified_commits]\n",
    }));
    const refused = await say(h, repo, pr.number, "bob", "/apply");
    expect(refused).toContain(
      `every commit must be verified by GitHub (signed with a key it trusts), and this one is not: ${pr.headSha.slice(0, 7)}`,
    );
    expect(await stateResources(state)).toEqual([]);
    h.sim.verifyCommit(repo, pr.headSha);
    const applied = await say(h, repo, pr.number, "bob", "/apply");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.prod_0"]);
  });

  it("`verified_commits` reads every commit of a long pull request, past the 250 of GitHub's list of a PR's commits", async () => {
    const { repo, pr, state } = await prodPr("cc-verified-long", () => ({
      ".sluice.yaml": "version: 1\nprojects:\n  - name: prod\n    dir: prod\n    apply_requirements: [verified_commits]\n",
    }));
    h.sim.verifyCommit(repo, pr.headSha);
    const shas = await h.sim.pushManyCommits(repo, pr.number, 259);
    // The 255th commit of the PR: past the list GitHub gives of a pull request's commits.
    const late = shas[253] as string;
    for (const sha of shas) if (sha !== late) h.sim.verifyCommit(repo, sha);
    const head = shas.at(-1) as string;
    await completed(h, repo, head, "sluice/plan");
    const refused = await say(h, repo, pr.number, "bob", "/apply");
    expect(refused).toContain(
      `every commit must be verified by GitHub (signed with a key it trusts), and this one is not: ${late.slice(0, 7)}`,
    );
    expect(await stateResources(state)).toEqual([]);
    // Control: once GitHub verifies it, all 260 are, and the apply runs.
    h.sim.verifyCommit(repo, late);
    expect(await say(h, repo, pr.number, "bob", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.prod_0"]);
  }, 240_000);
});
