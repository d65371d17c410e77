import { readFile } from "node:fs/promises";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let n = 0;

// A yearly schedule (the server lets repos set it): only `/drift` runs checks here, so each step
// of a test is one check the test asked for.
const SERVER_CONFIG = `drift:\n  schedule: "0 0 1 1 *"\nallowed_overrides: [drift]\n`;
const BOT = "sluice[bot]";
/** The marker line Sluice wrote first in its drift issues, copied by anyone who saw one. */
const COPIED_MARKER = "<!-- sluice:drift project=net -->";

beforeAll(async () => {
  h = await startHarness({ serverConfig: SERVER_CONFIG });
});
afterAll(async () => {
  await h?.stop();
});

async function newRepo(resources: number) {
  n++;
  const state = join(h.stateDir, `provenance-${n}.tfstate`);
  const repo = await h.sim.createRepo({
    owner: "acme",
    name: `drift-provenance-${n}`,
    files: { ".sluice.yaml": "version: 1\n", "net/main.tf": statefulProject("net", state, resources) },
  });
  h.sim.setPermission(repo, "alice", "write");
  h.sim.setPermission(repo, "bob", "write");
  // Triage: may open issues and label them, may not push.
  h.sim.setPermission(repo, "tess", "triage");
  return { repo, state };
}

const driftIssues = (repo: Repo) => h.sim.issues(repo).filter((i) => i.labels.includes("sluice:drift"));
const botReplies = (repo: Repo, issue: number, text: RegExp) =>
  h.sim.comments(repo, issue).filter((c) => c.user === BOT && text.test(c.body));

/** A comment as the simulator holds it now (its views are copies). */
function commentNow(repo: Repo, number: number, id: number) {
  const c = h.sim.comments(repo, number).find((x) => x.id === id);
  if (!c) throw new Error(`comment ${id} is gone`);
  return c;
}

/** Rows of the app's store, read beside the running app (read-only). */
function storeRows(sql: string, ...args: unknown[]): unknown[] {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args);
  } finally {
    db.close();
  }
}

/** The `input` of every resource in a local state file; [] while there is none. */
async function stateInputs(stateFile: string): Promise<unknown[]> {
  const text = await readFile(stateFile, "utf8").catch(() => undefined);
  if (text === undefined) return [];
  const state = JSON.parse(text) as { resources: { instances: { attributes: { input?: { value: unknown } } }[] }[] };
  return state.resources.flatMap((r) => r.instances.map((i) => i.attributes.input?.value));
}

/** `/drift` on a plain issue, answered once the check and its issues are done. */
async function driftCheck(repo: Repo, ops: number): Promise<void> {
  const seen = botReplies(repo, ops, /Drift check/).length;
  await h.sim.comment(repo, ops, { user: "alice", body: "/drift" });
  await h.sim.waitFor(() => botReplies(repo, ops, /Drift check/).length > seen, { message: "no /drift reply", timeoutMs: 90_000 });
  await untilIdle(h.app.dataDir);
}

/** `/apply` on an issue by alice (write access): Sluice's answer, whatever it is. */
async function applyOn(repo: Repo, issue: number): Promise<string> {
  const answers = () => botReplies(repo, issue, /Applied the plan|⛔ refused|Not applied|failed/);
  const seen = answers().length;
  await h.sim.comment(repo, issue, { user: "alice", body: "/apply" });
  await h.sim.waitFor(() => answers().length > seen, { message: `no answer to /apply on #${issue}`, timeoutMs: 90_000 });
  return answers()[seen]?.body ?? "";
}

/** bob's pull request growing net to two resources, planned, and its plan comment. */
async function grownPr(repo: Repo, state: string) {
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
  await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    message: "no plan on the PR",
    timeoutMs: 90_000,
  });
  await untilIdle(h.app.dataDir);
  const planComment = h.sim.comments(repo, pr.number).find((c) => c.user === BOT && c.body.includes("terraform_data.net_1"));
  if (!planComment) throw new Error("no plan comment on the PR");
  return { pr, planComment };
}

describe("drift issues are Sluice's only when Sluice opened them", { timeout: 240_000 }, () => {
  it("an issue a triage user opens with the label and a copied marker is not adopted: /apply there is refused and nothing is applied", async () => {
    const { repo, state } = await newRepo(1);
    const forged = h.sim.openIssue(repo, {
      title: "Drift: project net",
      author: "tess",
      labels: ["sluice:drift"],
      body: `${COPIED_MARKER}\n## Drift in project \`net\`\n\nComment \`/apply\` on this issue to put git's state back.`,
    });
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    await driftCheck(repo, ops.number);

    // Someone with write access takes the forged issue at its word.
    const answer = await applyOn(repo, forged.number);
    expect(answer).toContain("not a drift issue of Sluice's");
    expect(await stateInputs(state)).toEqual([]);
    // Sluice saved nothing under it and wrote nothing on it but the refusal.
    expect(storeRows("SELECT id FROM plans WHERE repo = ? AND pr = ?", repo.fullName, forged.number)).toEqual([]);
    expect(forged.history).toHaveLength(1);
    expect(h.sim.comments(repo, forged.number).filter((c) => c.user === BOT)).toHaveLength(1);

    // The project's drift issue is one Sluice opened itself, and `/apply` there applies.
    const own = driftIssues(repo).filter((i) => i.author === BOT);
    expect(own.map((i) => i.title)).toEqual(["Drift: project net"]);
    const mine = own[0] as (typeof own)[number];
    expect(mine.number).not.toBe(forged.number);
    expect(await applyOn(repo, mine.number)).toContain("Applied the plan");
    expect(await stateInputs(state)).toEqual(["net-0"]);
  });

  it("an issue whose hidden state names a PR's plan comment does not get that comment edited by the next drift check", async () => {
    const { repo, state } = await newRepo(1);
    const { pr, planComment } = await grownPr(repo, state);
    const before = { body: planComment.body, edits: planComment.history.length };

    const hidden = {
      firstSeen: "2026-01-01T00:00:00Z",
      planId: 1,
      headSha: "0".repeat(40),
      planHash: "0".repeat(64),
      comments: [planComment.id],
    };
    h.sim.openIssue(repo, {
      title: "Drift: project net",
      author: "tess",
      labels: ["sluice:drift"],
      body: `${COPIED_MARKER}\nDrift, please look.\n<!-- sluice:drift-state ${JSON.stringify(hidden)} -->`,
    });
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    await driftCheck(repo, ops.number);

    const after = commentNow(repo, pr.number, planComment.id);
    expect(after.history).toHaveLength(before.edits);
    expect(after.body).toBe(before.body);
    // The drift plan went to comments on the issue Sluice opened, and nowhere else.
    const own = driftIssues(repo).filter((i) => i.author === BOT);
    expect(own).toHaveLength(1);
    const onOwn = h.sim.comments(repo, (own[0] as (typeof own)[number]).number).filter((c) => c.user === BOT);
    expect(onOwn.some((c) => c.body.includes("terraform_data.net_0"))).toBe(true);
    expect(await stateInputs(state)).toEqual([]);
  });

  it("an issue the app opened before the store kept drift issues is adopted once, its old hidden state ignored", async () => {
    const { repo, state } = await newRepo(1);
    const { pr, planComment } = await grownPr(repo, state);
    const edits = planComment.history.length;

    // As an earlier version wrote it (by the app's own account), with comment ids in its body,
    // which anyone with write access could have edited since.
    const hidden = {
      firstSeen: "2026-01-01T00:00:00Z",
      planId: 1,
      headSha: "0".repeat(40),
      planHash: "0".repeat(64),
      comments: [planComment.id],
    };
    const old = h.sim.openIssue(repo, {
      title: "Drift: project net",
      author: BOT,
      labels: ["sluice:drift"],
      body: `${COPIED_MARKER}\n## Drift in project \`net\`\n<!-- sluice:drift-state ${JSON.stringify(hidden)} -->`,
    });
    const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
    await driftCheck(repo, ops.number);

    expect(driftIssues(repo).map((i) => i.number)).toEqual([old.number]);
    expect(old.body).toContain("In git, not applied (1)");
    expect(old.body).not.toContain("sluice:drift-state");
    expect(commentNow(repo, pr.number, planComment.id).history).toHaveLength(edits);
    // Closed, the PR no longer holds the project's lock: the adopted issue's plan applies.
    await h.sim.closePullRequest(repo, pr.number);
    await untilIdle(h.app.dataDir);
    expect(await applyOn(repo, old.number)).toContain("Applied the plan");
    expect(await stateInputs(state)).toEqual(["net-0"]);
  });
});
