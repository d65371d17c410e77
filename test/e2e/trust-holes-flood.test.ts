import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { bot, completed, FINAL, planRows, type Repo, unfinishedJobs } from "./trust-holes-support.js";

// Issue #10, item 10: a comment flood must not starve everyone. Unauthorized commands never queue;
// queued plans of one PR and project coalesce; claiming is fair across PRs. Two project slots
// (`parallel: 2`): a job waiting for a project's run lock must not sit in one of them.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["apply_requirements: [approved]", "parallel: 2", 'allow_custom_workflows: ["acme/*"]', ""].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
});

function grant(name: string) {
  for (const [u, role] of [
    ["alice", "write"],
    ["bob", "write"],
    ["rita", "read"],
  ] as const)
    h.sim.setPermission(`acme/${name}`, u, role);
}

const COUNTS = /[+]\d+ ~\d+ -\d+/;

/** Seq of the first comment-log event on `pr` after `afterSeq` whose body is final, or Infinity. */
function firstFinalSeq(repo: Repo, pr: number, afterSeq: number): number {
  const e = h.sim.commentLog.find(
    (c) => c.repo === repo.fullName && c.issueNumber === pr && c.user === "sluice[bot]" && c.seq > afterSeq && FINAL.test(c.body),
  );
  return e?.seq ?? Number.POSITIVE_INFINITY;
}

/** Seqs of the comment-log events on `pr` after `afterSeq` that finished a plan run (not a superseded answer). */
function planRunsDone(repo: Repo, pr: number, afterSeq: number): number[] {
  return h.sim.commentLog
    .filter(
      (c) =>
        c.repo === repo.fullName && c.issueNumber === pr && c.user === "sluice[bot]" && c.seq > afterSeq && /·\s*(✅|❌|⛔)/.test(c.body),
    )
    .map((c) => c.seq);
}

/** Seq of the last comment-log event on `pr` after `afterSeq` that made a bot comment final. */
function lastFinalSeq(repo: Repo, pr: number, afterSeq: number): number {
  const events = h.sim.commentLog.filter(
    (c) => c.repo === repo.fullName && c.issueNumber === pr && c.user === "sluice[bot]" && c.seq > afterSeq && FINAL.test(c.body),
  );
  return events[events.length - 1]?.seq ?? 0;
}

describe("issue #10.10: a comment flood", () => {
  it("60 `/plan` comments by a read-only stranger: one refusal comment with the count, no plan of A, and another PR still gets its plan", async () => {
    const name = "flood-stranger";
    grant(name);
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "a/main.tf": tfProject("a"), "b/main.tf": tfProject("b") } });
    await h.sim.pushBranch(repo, { branch: "a", files: { "a/main.tf": tfProject("a", 2) } });
    // A draft: no autoplan, so every plan of A would come from the flood.
    const a = await h.sim.openPullRequest(repo, { head: "a", author: "alice", draft: true });
    const commands: number[] = [];
    for (let i = 0; i < 60; i++) commands.push((await h.sim.comment(repo, a.number, { user: "rita", body: "/plan" })).commentId);

    const refusal = "needs write access";
    // Every command answered: a 👎 on each, and the one refusal comment counts them all.
    await h.sim.waitFor(
      () => commands.every((id) => h.sim.reactions(id).includes("-1")) && bot(h, repo, a.number).some((c) => c.body.includes("60 times")),
      {
        message: `not every /plan was answered: ${JSON.stringify(bot(h, repo, a.number).map((c) => c.body.slice(0, 300)))}`,
        timeoutMs: 240_000,
      },
    );
    const replies = bot(h, repo, a.number);
    expect(replies.map((c) => c.body.split("\n")[1])).toEqual(["<!-- sluice:refusals=60 -->"]);
    expect(replies[0]?.body).toContain(refusal);
    expect(replies[0]?.body).toContain("⛔ refused @\u200brita's commands on this pull request 60 times");

    await h.sim.pushBranch(repo, { branch: "b", from: "main", files: { "b/main.tf": tfProject("b", 2) } });
    const b = await h.sim.openPullRequest(repo, { head: "b", author: "alice" });
    expect((await completed(h, repo, b.headSha, "sluice/plan")).conclusion).toBe("success");
    expect(bot(h, repo, b.number)[0]?.body).toContain("terraform_data.b_1");

    expect(planRows(h.app.dataDir, repo, a.number)).toEqual([]);
    const counted = h.sim
      .checkRuns(repo, a.headSha)
      .filter((c) => c.name === "sluice/plan" && COUNTS.test(`${c.output.title} ${c.output.summary}`));
    expect(counted).toEqual([]);

    // A writer's plan, then more refusals: the plan stays the PR's latest comment, the refusal is edited.
    await h.sim.comment(repo, a.number, { user: "alice", body: "/plan" });
    await h.sim.waitFor(() => bot(h, repo, a.number).some((c) => c.body.includes("terraform_data.a_1") && FINAL.test(c.body)), {
      timeoutMs: 120_000,
    });
    const more = (await h.sim.comment(repo, a.number, { user: "rita", body: "/plan" })).commentId;
    await h.sim.waitFor(() => h.sim.reactions(more).includes("-1") && bot(h, repo, a.number)[0]?.body.includes("61 times") === true, {
      timeoutMs: 60_000,
    });
    const after = bot(h, repo, a.number);
    expect(after).toHaveLength(2);
    expect(after[1]?.body).toContain("terraform_data.a_1");
  }, 360_000);

  it("10 `/plan` comments by a writer coalesce, every one is answered, and a PR opened after them is planned first", async () => {
    const name = "flood-writer";
    grant(name);
    // A's plans are slow (a custom step sleeps), B's are quick: only the order of work decides who finishes first.
    const config = [
      "version: 1",
      "projects:",
      "  - name: a",
      "    dir: a",
      "    workflow: slow",
      "  - name: b",
      "    dir: b",
      "workflows:",
      "  slow:",
      "    plan:",
      "      steps:",
      '        - run: ["sleep", "3"]',
      "        - init",
      "        - plan",
      "",
    ].join("\n");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name,
      files: { ".sluice.yaml": config, "a/main.tf": tfProject("a"), "b/main.tf": tfProject("b") },
    });
    await h.sim.pushBranch(repo, { branch: "a", files: { "a/main.tf": tfProject("a", 2) } });
    const a = await h.sim.openPullRequest(repo, { head: "a", author: "alice" });
    expect((await completed(h, repo, a.headSha, "sluice/plan")).conclusion).toBe("success");
    const autoplanRows = planRows(h.app.dataDir, repo, a.number).length;
    expect(autoplanRows).toBe(1);

    const burstStart = h.sim.commentLog[h.sim.commentLog.length - 1]?.seq ?? 0;
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push((await h.sim.comment(repo, a.number, { user: "bob", body: "/plan" })).commentId);
    await h.sim.pushBranch(repo, { branch: "b", from: "main", files: { "b/main.tf": tfProject("b", 2) } });
    const b = await h.sim.openPullRequest(repo, { head: "b", author: "alice" });

    expect((await completed(h, repo, b.headSha, "sluice/plan")).conclusion).toBe("success");
    // An answer is a reaction on the comment or a reply saying it was folded into a newer /plan.
    const superseded = () => bot(h, repo, a.number).filter((c) => /superseded by a newer/i.test(c.body)).length;
    const reacted = () => ids.filter((id) => h.sim.reactions(id).length > 0).length;
    const allAnswered = () => reacted() + superseded() >= ids.length;
    await h.sim
      .waitFor(() => unfinishedJobs(h.app.dataDir) === 0 && allAnswered() && bot(h, repo, a.number).every((c) => FINAL.test(c.body)), {
        timeoutMs: 240_000,
      })
      .catch(() => {
        const open = bot(h, repo, a.number)
          .filter((c) => !FINAL.test(c.body))
          .map((c) => c.body.slice(0, 300));
        throw new Error(
          `A's comments were not all answered: ${unfinishedJobs(h.app.dataDir)} unfinished jobs, ${reacted()} reactions and ${superseded()} "superseded" replies for ${ids.length} comments, unfinished replies ${JSON.stringify(open)}`,
        );
      });

    // Order of completion, as GitHub saw the comment edits: B's plan before A's last answer, and
    // before a second plan run of A finishes (B does not wait behind A's queue).
    const bDone = firstFinalSeq(repo, b.number, 0);
    const aLast = lastFinalSeq(repo, a.number, burstStart);
    expect(bDone).toBeLessThan(aLast);
    const aRuns = planRunsDone(repo, a.number, burstStart);
    expect(bDone).toBeLessThan(aRuns[1] ?? Number.POSITIVE_INFINITY);
    // Coalesced: fewer plan runs of A than comments, and each comment answered.
    const runs = planRows(h.app.dataDir, repo, a.number).length - autoplanRows;
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThan(10);
    expect(reacted() + superseded()).toBeGreaterThanOrEqual(ids.length);
  }, 360_000);
});
