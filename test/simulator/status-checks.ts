import type { SimCore } from "./sim-core.js";
import type { SimState } from "./sim-state.js";
import type { CheckConclusion, CheckRunState, CheckStatus, CommitStatusState, PullState, SimRepo } from "./sim-types.js";

/** One entry of a commit's status check rollup: the newest check run of a name (per app), the newest status of a context. */
export type RollupEntry = { kind: "check"; run: CheckRunState } | { kind: "status"; status: CommitStatusState };

const PASSING_CONCLUSIONS = new Set(["success", "neutral", "skipped"]);

export const entryName = (e: RollupEntry) => (e.kind === "check" ? e.run.name : e.status.context);
export const entryPasses = (e: RollupEntry) =>
  e.kind === "check" ? e.run.status === "completed" && PASSING_CONCLUSIONS.has(e.run.conclusion ?? "") : e.status.state === "success";

/** What GitHub's rollup lists for a commit: check runs first, then statuses, each the newest of its name. */
export function rollupOf(state: SimState, repo: SimRepo, sha: string): RollupEntry[] {
  const runs = [...state.checkRuns.values()].filter((r) => r.repo === repo && r.head_sha === sha).sort((a, b) => b.id - a.id);
  const newestRuns = runs.filter((r, i) => runs.findIndex((o) => o.name === r.name && o.app === r.app) === i);
  const statuses = state.statuses.filter((s) => s.repo === repo && s.sha === sha).sort((a, b) => b.id - a.id);
  const newestStatuses = statuses.filter((s, i) => statuses.findIndex((o) => o.context === s.context) === i);
  return [
    ...newestRuns.reverse().map((run): RollupEntry => ({ kind: "check", run })),
    ...newestStatuses.reverse().map((status): RollupEntry => ({ kind: "status", status })),
  ];
}

/** The base branch's required checks a PR lacks: not reported, or not passing (as GitHub holds it `blocked`). */
export function requiredChecksWanting(state: SimState, pr: PullState, ownSlug: string): string[] {
  const required = requiredChecksOf(pr.repo, pr.baseRef);
  if (!required.length) return [];
  const rollup = rollupOf(state, pr.repo, pr.headSha);
  return required.filter((name) => !rollup.some((e) => entryName(e) === name && isTheRequired(pr, e, ownSlug) && entryPasses(e)));
}

/**
 * Whether an entry is the check the PR's base requires (GraphQL's `isRequired`): its name, and
 * where the rule names an app (GitHub's "expected source"), a check run of that app; otherwise a
 * check run or a status of that name ("any source").
 */
export function isTheRequired(pr: PullState, e: RollupEntry, ownSlug: string): boolean {
  const name = entryName(e);
  if (!requiredChecksOf(pr.repo, pr.baseRef).includes(name)) return false;
  const app = pr.repo.requiredCheckApps?.get(pr.baseRef)?.[name];
  return app === undefined || (e.kind === "check" && (e.run.app ?? ownSlug) === app);
}

/** What a branch's classic protection and its rulesets require, together. */
export const requiredChecksOf = (repo: SimRepo, branch: string): string[] => [
  ...new Set([...(repo.requiredChecks?.get(branch) ?? []), ...(repo.rulesetChecks?.get(branch) ?? [])]),
];

/** The combined status (`GET /commits/{ref}/status`): failure beats pending beats success; none is pending. */
export function combinedState(statuses: readonly CommitStatusState[]): "failure" | "pending" | "success" {
  if (statuses.some((s) => s.state === "failure" || s.state === "error")) return "failure";
  if (!statuses.length || statuses.some((s) => s.state === "pending")) return "pending";
  return "success";
}

/** A check run another app made (GitHub Actions' job, another CI app): `app` is its slug. */
export function otherAppCheckRun(
  core: SimCore,
  repo: SimRepo,
  sha: string,
  c: { name: string; status: CheckStatus; conclusion?: CheckConclusion; app?: string },
): CheckRunState {
  const id = core.state.nextId("check");
  const done = c.status === "completed";
  const run: CheckRunState = {
    id,
    repo,
    name: c.name,
    head_sha: sha,
    status: c.status,
    conclusion: done ? (c.conclusion ?? "success") : null,
    external_id: null,
    details_url: null,
    started_at: core.now(),
    completed_at: done ? core.now() : null,
    output: { title: null, summary: null, text: null },
    history: [],
    actions: [],
    head_branch: null,
    app: c.app ?? "github-actions",
  };
  core.state.checkRuns.set(id, run);
  return run;
}
