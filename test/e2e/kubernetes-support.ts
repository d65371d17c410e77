import type { Harness } from "../support/harness.js";

// Shared by the kubernetes-*.test.ts files: a repo with `files`, a PR that makes `change`, and what
// Sluice posted once its plan check completed.

let n = 0;

/** Opens a PR (author alice) over a new repo named `<prefix>-<n>` and waits for `sluice/plan` to complete. */
export async function planPr(h: Harness, prefix: string, files: Record<string, string>, change: Record<string, string | null>) {
  n++;
  const repo = await h.sim.createRepo({ owner: "acme", name: `${prefix}-${n}`, files });
  await h.sim.pushBranch(repo, { branch: "c", files: change });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
  await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    timeoutMs: 90_000,
  });
  const checks = h.sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/plan");
  const body = h.sim
    .comments(repo, pr.number)
    .filter((c) => c.user === "sluice[bot]")
    .map((c) => c.body)
    .join("\n");
  return { repo, pr, checks, check: checks[0], body };
}

/** `text` with `from` replaced by `to`; a fixture that lacks `from` fails the test at once. */
export const edit = (text: string | undefined, from: string, to: string): string => {
  if (!text?.includes(from)) throw new Error(`fixture lacks ${from}`);
  return text.replace(from, to);
};
