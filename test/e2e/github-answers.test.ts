import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";

// Issue #10 items 8, 9 and 13: how the GitHub adapter reads failed answers, and how every comment
// Sluice writes is found again after a lost answer — only among the app's own comments.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
});
afterAll(async () => {
  await h?.stop();
});

const BOT = "sluice[bot]";
const botComments = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === BOT);
const postComment = (pr: number) => ({ method: "POST", pathPattern: new RegExp(`/issues/${pr}/comments$`) });

/** A repo with one planned PR (autoplan done), so comments on it start from a known state. */
async function plannedPr() {
  n++;
  const name = `answers-${n}`;
  h.sim.setPermission(`acme/${name}`, "bob", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": tfProject("net") } });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    timeoutMs: 60_000,
  });
  return { repo, pr };
}

/** Retries the app logged for one delivery, with the delay it chose. */
function retriesOf(deliveryId: string): { delayMs: number; msg: string }[] {
  return h.app
    .output()
    .split("\n")
    .filter((l) => l.includes("GitHub call failed, retrying") && l.includes(deliveryId))
    .map((l) => JSON.parse(l) as { delayMs: number; msg: string });
}

/** The id the next job will get (jobs are numbered by SQLite's AUTOINCREMENT). */
function nextJobId(): number {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'jobs'").get() as { seq: number } | undefined;
    return (row?.seq ?? 0) + 1;
  } finally {
    db.close();
  }
}

describe("failed answers (item 8)", () => {
  it("a 5xx backs off briefly; only a rate-limit answer waits as its headers say", async () => {
    const { repo, pr } = await plannedPr();
    const before = botComments(repo, pr.number).length;
    // Every simulated answer carries x-ratelimit-reset an hour ahead, as GitHub's do.
    h.sim.failNext({ ...postComment(pr.number), status: 502 });
    h.sim.failNext({ ...postComment(pr.number), status: 429, headers: { "retry-after": "1" } });
    const { delivery } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/help" });
    await h.sim.waitFor(() => botComments(repo, pr.number).length > before, { timeoutMs: 30_000 });
    const retries = retriesOf(delivery.deliveryId);
    expect(retries.map((r) => r.msg.match(/GitHub answered (\d+)/)?.[1])).toEqual(["502", "429"]);
    // SLUICE_GITHUB_RETRY_BASE_MS is 20 in tests: the first backoff is at most that, never the reset.
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(20);
    expect(retries[1]?.delayMs).toBe(1_000);
    expect(botComments(repo, pr.number)).toHaveLength(before + 1);
  });
});

describe("lost answers (item 9): every reply is posted once", () => {
  it("/help whose comment was created but the answer lost: exactly one reply", async () => {
    const { repo, pr } = await plannedPr();
    const before = botComments(repo, pr.number).length;
    h.sim.failNext({ ...postComment(pr.number), loseAnswer: true });
    const { commentId } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/help" });
    await h.sim.waitFor(() => jobDone(commentId), { timeoutMs: 30_000 });
    expect(botComments(repo, pr.number).slice(before)).toHaveLength(1);
    expect(botComments(repo, pr.number)[before]?.body).toContain("/plan");
  });

  it("/unlock whose comment was created but the answer lost: exactly one reply", async () => {
    const { repo, pr } = await plannedPr();
    const before = botComments(repo, pr.number).length;
    h.sim.failNext({ ...postComment(pr.number), loseAnswer: true });
    const { commentId } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/unlock" });
    await h.sim.waitFor(() => jobDone(commentId), { timeoutMs: 30_000 });
    expect(botComments(repo, pr.number).slice(before)).toHaveLength(1);
    expect(botComments(repo, pr.number)[before]?.body).toMatch(/Released 1 lock/);
  });
});

describe("only the app's own comments are found (item 13)", () => {
  it("a user comment carrying the next job's marker is never edited; the real result is posted", async () => {
    const { repo, pr } = await plannedPr();
    const before = botComments(repo, pr.number).length;
    const forged = `<!-- sluice:job=${nextJobId()} part=1 -->\nthis is not Sluice's comment`;
    const { commentId: forgedId } = await h.sim.comment(repo, pr.number, { user: "mallory", body: forged });
    h.sim.failNext({ ...postComment(pr.number), loseAnswer: true });
    const { commentId } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
    await h.sim.waitFor(() => jobDone(commentId), { timeoutMs: 60_000 });
    const mine = h.sim.comments(repo, pr.number).find((c) => c.id === forgedId);
    expect(mine?.history).toEqual([forged]);
    const replies = botComments(repo, pr.number).slice(before);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body.split("\n", 1)[0]).toBe(forged.split("\n", 1)[0]);
    expect(replies[0]?.body).toMatch(/✅/);
  });
});

/** The job a comment started has finished (done or failed), as the store says. */
function jobDone(commentId: number): boolean {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT spec, status FROM jobs").all() as { spec: string; status: string }[];
    return rows.some(
      (r) => (JSON.parse(r.spec) as { commentId?: number }).commentId === commentId && (r.status === "done" || r.status === "failed"),
    );
  } finally {
    db.close();
  }
}
