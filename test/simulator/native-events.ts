import type {
  CheckRunRequestedActionEvent,
  CheckRunRerequestedEvent,
  CheckSuiteRerequestedEvent,
  MergeGroupChecksRequestedEvent,
} from "@octokit/webhooks-types";
import { appJson } from "./app-json.js";
import { checkRunJson } from "./github-shapes.js";
import type { ShapeCtx } from "./shape-ctx.js";
import type { CheckRunState, PullState, SimRepo } from "./sim-types.js";
import { envelope, example } from "./webhook-payloads.js";

/** GitHub lists open PRs of this repo whose head is the commit or whose branch is the suite's branch. */
function pullsOf(ctx: ShapeCtx, repo: SimRepo, sha: string, branch: string | null): PullState[] {
  return [...ctx.state.pulls.values()].filter(
    (p) => p.repo === repo && p.state === "open" && !p.headRepoFullName && (p.headSha === sha || (branch !== null && p.headRef === branch)),
  );
}

function miniPulls(ctx: ShapeCtx, repo: SimRepo, pulls: PullState[]) {
  const mini = { id: repo.id, url: `${ctx.api}/repos/${repo.fullName}`, name: repo.name };
  return pulls.map((p) => ({
    id: p.id,
    number: p.number,
    url: `${ctx.api}/repos/${repo.fullName}/pulls/${p.number}`,
    head: { ref: p.headRef, sha: p.headSha, repo: mini },
    base: { ref: p.baseRef, sha: p.baseSha, repo: mini },
  }));
}

function suiteJson(ctx: ShapeCtx, repo: SimRepo, id: number, sha: string, branch: string | null, pulls: PullState[]) {
  return {
    id,
    node_id: Buffer.from(`010:CheckSuite${id}`).toString("base64"),
    head_branch: branch,
    head_sha: sha,
    status: "completed" as const,
    conclusion: null,
    url: `${ctx.api}/repos/${repo.fullName}/check-suites/${id}`,
    before: null,
    after: sha,
    pull_requests: miniPulls(ctx, repo, pulls),
    app: appJson(ctx),
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
  };
}

/** `check_run` `requested_action` (a click on one of the run's buttons) or `rerequested` ("Re-run"). */
export function checkRunPayload(
  ctx: ShapeCtx,
  action: "requested_action" | "rerequested",
  run: CheckRunState,
  sender: string,
  identifier?: string,
): CheckRunRequestedActionEvent | CheckRunRerequestedEvent {
  const base = example("check_run", action);
  const pulls = pullsOf(ctx, run.repo, run.head_sha, run.head_branch);
  const json = checkRunJson(ctx, run);
  const payload: Record<string, unknown> = {
    ...base,
    action,
    check_run: {
      ...json,
      pull_requests: miniPulls(ctx, run.repo, pulls),
      check_suite: suiteJson(ctx, run.repo, json.check_suite?.id ?? 0, run.head_sha, run.head_branch, pulls),
    },
    ...envelope(ctx, run.repo, sender),
  };
  if (action === "requested_action") payload.requested_action = { identifier };
  else delete payload.requested_action;
  return payload as unknown as CheckRunRequestedActionEvent | CheckRunRerequestedEvent;
}

/** `check_suite` `rerequested`: "Re-run all checks" of the app's suite on a commit. */
export function checkSuitePayload(
  ctx: ShapeCtx,
  repo: SimRepo,
  sha: string,
  branch: string | null,
  sender: string,
): CheckSuiteRerequestedEvent {
  const base = example("check_suite", "rerequested");
  const pulls = pullsOf(ctx, repo, sha, branch);
  return {
    ...base,
    action: "rerequested",
    check_suite: { ...((base.check_suite ?? {}) as object), ...suiteJson(ctx, repo, 6_000_000 + repo.id, sha, branch, pulls) },
    ...envelope(ctx, repo, sender),
  } as unknown as CheckSuiteRerequestedEvent;
}

export interface MergeGroupFacts {
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef: string;
  treeId: string;
  message: string;
}

/** `merge_group` `checks_requested`: the queue made the group's commit and wants the required checks on it. */
export function mergeGroupPayload(ctx: ShapeCtx, repo: SimRepo, g: MergeGroupFacts, sender: string): MergeGroupChecksRequestedEvent {
  const base = example("merge_group", "checks_requested");
  const who = { name: "GitHub", email: "noreply@github.com" };
  return {
    ...base,
    action: "checks_requested",
    merge_group: {
      head_sha: g.headSha,
      head_ref: g.headRef,
      base_sha: g.baseSha,
      base_ref: g.baseRef,
      head_commit: {
        id: g.headSha,
        tree_id: g.treeId,
        message: g.message,
        timestamp: new Date().toISOString(),
        author: who,
        committer: who,
      },
    },
    ...envelope(ctx, repo, sender),
  } as unknown as MergeGroupChecksRequestedEvent;
}
