import { join } from "node:path";
import type { Harness } from "../support/harness.js";
import type { Role } from "../simulator/sim-types.js";
import { bot, completed, type Repo, storeRows } from "./trust-holes-support.js";

// Shared by the e2e tests of what a pull request takes away or tears down (teardown-*,
// gone-autodiscovered, plan-rules, gate-roads): a fresh repository whose projects keep their
// state in files of their own, a pull request planned on it, and the plan comment read back
// (plannedPr also for drift).

/** Where project `p` of the repository keeps its state: a local backend file of its own. */
export type StatePath = (p: string) => string;

/** Three people who may write, the most tests need. */
export const TEAM: readonly (readonly [string, Role])[] = [
  ["alice", "write"],
  ["bob", "write"],
  ["carol", "write"],
];

let n = 0;

/**
 * acme/NAME with `files` on main, each of `users` given its role. The state paths carry a count
 * so a name used twice in one harness never shares a state file.
 */
export async function newRepo(
  h: Harness,
  name: string,
  users: readonly (readonly [string, Role])[],
  files: (state: StatePath) => Record<string, string>,
) {
  n++;
  const state = (p: string) => join(h.stateDir, `${name}-${p}-${n}.tfstate`);
  const repo = await h.sim.createRepo({ owner: "acme", name, files: files(state) });
  for (const [u, role] of users) h.sim.setPermission(repo, u, role);
  return { repo, state };
}

/** A pull request of `files` (null deletes one) on `branch`, opened by `author`, once its plan completed. */
export async function plannedPr(h: Harness, repo: Repo, files: Record<string, string | null>, author = "bob", branch = "change") {
  await h.sim.pushBranch(repo, { branch, files });
  const pr = await h.sim.openPullRequest(repo, { head: branch, author });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return pr;
}

/** The pull request's first bot comment: its plan. */
export const planComment = (h: Harness, repo: Repo, pr: number) => bot(h, repo, pr)[0]?.body ?? "";

/** Closes a pull request and waits until its locks are released. */
export async function closed(h: Harness, repo: Repo, pr: number) {
  await h.sim.closePullRequest(repo, pr);
  const name = `${repo.owner}/${repo.name}`;
  await h.sim.waitFor(() => storeRows(h.app.dataDir, "SELECT pr FROM locks WHERE repo = ?", name).length === 0, {
    message: `#${pr} kept its locks`,
    timeoutMs: 30_000,
  });
}
