import { describe, expect, it } from "vitest";
import { NOT_A_DRIFT_ISSUE, driftIssueOf } from "../../../src/drift/drift-issue-of.js";
import { openDriftIssuesOf } from "../../../src/drift/open-drift-issues.js";
import { DRIFT_LABEL } from "../../../src/model/drift.js";
import { openSqliteStore } from "../../../src/store/sqlite-store.js";
import type { IssueInfo } from "../../../src/vcs/vcs-client.js";
import { memoryLog } from "../../fakes/fake-job-deps.js";
import { FakeVcs } from "../../fakes/fake-vcs.js";

const repo = { owner: "acme", name: "infra" };
const AT = "2026-03-04T05:06:07.000Z";
const shown = { id: 3, hash: "f".repeat(64), headSha: "a".repeat(40) };
/** The first line every drift issue body had (and may still have): anyone can copy it. */
const MARKER = "<!-- sluice:drift project=net -->";
const OLD_STATE = `<!-- sluice:drift-state ${JSON.stringify({ firstSeen: AT, planId: 3, headSha: "a".repeat(40), planHash: "f".repeat(64), comments: [1] })} -->`;

function issueOn(vcs: FakeVcs, over: Partial<IssueInfo> & { number: number }): IssueInfo & { repo: string } {
  const issue = {
    title: "Drift: project net",
    body: `${MARKER}\nDrift in project net.\n${OLD_STATE}`,
    state: "open" as const,
    labels: [DRIFT_LABEL],
    htmlUrl: `https://github.example/acme/infra/issues/${over.number}`,
    author: "sluice[bot]",
    byApp: true,
    repo: "acme/infra",
    ...over,
  };
  vcs.issues.push(issue);
  return issue;
}

describe("driftIssueOf: what /apply on an issue may act on", () => {
  it("an issue the store does not know is not a drift issue of Sluice's, whatever its label, text or author", async () => {
    const store = openSqliteStore(":memory:");
    const vcs = new FakeVcs();
    issueOn(vcs, { number: 7, author: "tess", byApp: false });
    issueOn(vcs, { number: 8 });
    expect(await driftIssueOf(store, vcs, repo, 7)).toEqual({ ok: false, reason: NOT_A_DRIFT_ISSUE });
    expect(await driftIssueOf(store, vcs, repo, 8)).toEqual({ ok: false, reason: NOT_A_DRIFT_ISSUE });
    expect(NOT_A_DRIFT_ISSUE).toContain("not a drift issue of Sluice's");
    // Said on an issue the app opened for something else too (a scheduled destroy's report): true there as well.
    expect(NOT_A_DRIFT_ISSUE).toContain("Sluice did not open it for a drifted project");
  });

  it("a known open issue: its project and shown plan from the store, never from its body", async () => {
    const store = openSqliteStore(":memory:");
    const vcs = new FakeVcs();
    // Its body was edited to name another project and another plan: nothing of it is read.
    issueOn(vcs, { number: 9, body: "<!-- sluice:drift project=prod -->\n<!-- sluice:drift-state {} -->" });
    await store.recordDriftIssue({ repo: "acme/infra", project: "net", number: 9, firstSeen: AT });
    expect(await driftIssueOf(store, vcs, repo, 9)).toEqual({ ok: true, project: "net" });
    await store.updateDriftIssue("acme/infra", 9, { plan: shown });
    expect(await driftIssueOf(store, vcs, repo, 9)).toEqual({ ok: true, project: "net", shown });
  });

  it("a known issue closed on GitHub or in the store has no plan to apply", async () => {
    const store = openSqliteStore(":memory:");
    const vcs = new FakeVcs();
    issueOn(vcs, { number: 10, state: "closed" });
    issueOn(vcs, { number: 11 });
    await store.recordDriftIssue({ repo: "acme/infra", project: "net", number: 10, firstSeen: AT });
    await store.recordDriftIssue({ repo: "acme/infra", project: "app", number: 11, firstSeen: AT });
    await store.updateDriftIssue("acme/infra", 11, { open: false, plan: shown });
    for (const n of [10, 11]) {
      const found = await driftIssueOf(store, vcs, repo, n);
      expect(found.ok).toBe(false);
      if (!found.ok) expect(found.reason).toContain("is closed");
    }
  });
});

describe("openDriftIssuesOf: each project's open issue, through the store", () => {
  it("keeps a known issue while it is open on GitHub; one a person closed is marked closed and its project gets none", async () => {
    const store = openSqliteStore(":memory:");
    const vcs = new FakeVcs();
    const log = memoryLog();
    issueOn(vcs, { number: 20 });
    issueOn(vcs, { number: 21, state: "closed", title: "Drift: project app" });
    await store.recordDriftIssue({ repo: "acme/infra", project: "net", number: 20, firstSeen: AT });
    await store.recordDriftIssue({ repo: "acme/infra", project: "app", number: 21, firstSeen: AT });
    const found = await openDriftIssuesOf({ store, log }, vcs, repo, ["net", "app"], AT);
    expect([...found.open].map(([p, o]) => [p, o.issue.number, o.record.number])).toEqual([["net", 20, 20]]);
    expect(found.gone).toEqual([21]);
    expect(await store.driftIssue("acme/infra", 21)).toMatchObject({ open: false });
  });

  it("adopts once an issue the app opened before the store kept them; ignores, and logs, labelled issues anyone else opened", async () => {
    const store = openSqliteStore(":memory:");
    const vcs = new FakeVcs();
    const log = memoryLog();
    const forged = issueOn(vcs, { number: 30, author: "tess", byApp: false });
    issueOn(vcs, { number: 31 });
    const found = await openDriftIssuesOf({ store, log }, vcs, repo, ["net"], AT);
    expect(found.open.get("net")?.issue.number).toBe(31);
    // Adopted with nothing of its old hidden state: no comment ids, no plan.
    expect(await store.driftIssue("acme/infra", 31)).toEqual({
      repo: "acme/infra",
      project: "net",
      number: 31,
      firstSeen: AT,
      commentIds: [],
      open: true,
    });
    expect(await store.driftIssue("acme/infra", forged.number)).toBeUndefined();
    expect(log.lines.some((l) => l.msg.includes("Sluice did not open it") && (l.obj as { issue?: number }).issue === 30)).toBe(true);

    // Closed by Sluice, then reopened by hand: the store knows it, it is not adopted again.
    await store.updateDriftIssue("acme/infra", 31, { open: false });
    const again = await openDriftIssuesOf({ store, log }, vcs, repo, ["net"], AT);
    expect(again.open.size).toBe(0);
  });

  it("asks GitHub for labelled issues only when a checked project has no known open issue", async () => {
    const store = openSqliteStore(":memory:");
    const vcs = new FakeVcs();
    const log = memoryLog();
    issueOn(vcs, { number: 40 });
    await store.recordDriftIssue({ repo: "acme/infra", project: "net", number: 40, firstSeen: AT });
    let listed = 0;
    const openIssues = vcs.openIssues.bind(vcs);
    vcs.openIssues = async (r, label) => {
      listed++;
      return openIssues(r, label);
    };
    await openDriftIssuesOf({ store, log }, vcs, repo, ["net"], AT);
    expect(listed).toBe(0);
    await openDriftIssuesOf({ store, log }, vcs, repo, ["net", "app"], AT);
    expect(listed).toBe(1);
  });
});
