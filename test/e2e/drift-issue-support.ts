import type { Harness } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

// Shared by the e2e tests of a drift issue's own commands (drift-issue-closed-late,
// drift-comment-withdrawn): the issue a first drift check opens, waited for.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

/**
 * alice's `/drift` on her issue `ops`, and the drift issue it opened once all it started is done.
 * Fails when none opens within `timeoutMs`.
 */
export async function firstDriftIssue(h: Harness, repo: Repo, ops: { number: number }, timeoutMs: number) {
  await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
  await h.sim.waitFor(() => h.sim.issues(repo).some((i) => i.labels.includes("sluice:drift")), {
    message: "no drift issue",
    timeoutMs,
  });
  await untilIdle(h.app.dataDir);
  const issue = h.sim.issues(repo).find((i) => i.labels.includes("sluice:drift"));
  if (!issue) throw new Error("no drift issue");
  return issue;
}
