import { type MergeBlockers, type RequiredCheck, ROLLUP_MAX, type StatusCheck } from "../../model/pull-request.js";
import { type VcsClient, VcsError } from "../vcs-client.js";
import { branchNow } from "./github-branches.js";
import { type GitHubCalls, notFoundAs } from "./github-calls.js";

// Only GraphQL tells why a pull request is blocked: REST's `mergeable_state` says `blocked` for
// every rule alike. One query: the review decision (branch protection's review rules) and the
// head commit's status check rollup, check runs and commit statuses both, each with whether the
// base branch requires it of this PR. Reading it needs no administration permission.
// GitHub Enterprise Server releases whose schema lacks `isRequired(pullRequestNumber:)` refuse the
// whole query; asked again without it, every check counts as required.
const mergeBlockersQuery = (required: boolean) => {
  const isRequired = required ? " isRequired(pullRequestNumber: $number)" : "";
  // Without it, a required check's expected app is matched by the run's app id.
  const appId = required ? "" : " databaseId";
  return `query ($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewDecision
      commits(last: 1) { nodes { commit { oid statusCheckRollup { contexts(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          __typename
          ... on CheckRun { name status conclusion${isRequired} checkSuite { app { slug${appId} } } }
          ... on StatusContext { context state${isRequired} }
        }
      } } } } }
    }
  }
}`;
};

/** GraphQL's answer to a schema without the field: "Field 'isRequired' doesn't exist on type 'CheckRun'" (or takes no such argument). */
const lacksIsRequired = (e: unknown) => e instanceof VcsError && !e.retryable && /\bisRequired\b/.test(e.message);

type Context =
  | {
      __typename: "CheckRun";
      name: string;
      status: string;
      conclusion: string | null;
      isRequired?: boolean | null;
      checkSuite?: { app?: { slug?: string; databaseId?: number | null } | null } | null;
    }
  | { __typename: "StatusContext"; context: string; state: string; isRequired?: boolean | null };

export interface MergeBlockersAnswer {
  repository: {
    pullRequest: {
      reviewDecision: MergeBlockers["reviewDecision"];
      commits: {
        nodes: ({
          commit: {
            oid: string;
            statusCheckRollup: { contexts: { pageInfo: { hasNextPage: boolean; endCursor?: string | null }; nodes: Context[] } } | null;
          };
        } | null)[];
      };
    } | null;
  } | null;
}

const PASSING_CONCLUSIONS = new Set(["SUCCESS", "NEUTRAL", "SKIPPED"]);

/** GitHub's answer as the domain sees it (pure); `appSlug` tells Sluice's own check runs. */
export function toMergeBlockers(data: MergeBlockersAnswer, appSlug: string, pr: number): MergeBlockers {
  const pull = data.repository?.pullRequest;
  // GraphQL answers a pull request it cannot show with an error, which octokit throws.
  if (!pull) throw new Error(`GitHub's GraphQL API showed no pull request #${pr}`);
  const commit = pull.commits.nodes[0]?.commit;
  if (!commit) throw new Error(`GitHub's GraphQL API showed no head commit of #${pr}`);
  // No rollup: nothing reported on the commit at all.
  const contexts = commit.statusCheckRollup?.contexts;
  const checks = (contexts?.nodes ?? []).map((c): StatusCheck => {
    const required = typeof c.isRequired === "boolean" ? { required: c.isRequired } : {};
    if (c.__typename === "StatusContext") {
      const state = c.state === "SUCCESS" ? "passing" : c.state === "PENDING" || c.state === "EXPECTED" ? "pending" : "failing";
      return { kind: "status", name: c.context, state, said: c.state.toLowerCase(), own: false, ...required };
    }
    const done = c.status === "COMPLETED";
    const state = !done ? "pending" : PASSING_CONCLUSIONS.has(c.conclusion ?? "") ? "passing" : "failing";
    const said = (done ? (c.conclusion ?? c.status) : c.status).toLowerCase();
    const app = c.checkSuite?.app;
    const appId = typeof app?.databaseId === "number" ? { appId: app.databaseId } : {};
    return { kind: "check", name: c.name, state, said, own: app?.slug === appSlug, ...required, ...appId };
  });
  return { reviewDecision: pull.reviewDecision ?? null, headSha: commit.oid, checks, more: contexts?.pageInfo.hasNextPage === true };
}

/** Where the next page of the rollup starts, when there is one. */
export const nextCursor = (data: MergeBlockersAnswer): string | undefined =>
  data.repository?.pullRequest?.commits.nodes[0]?.commit.statusCheckRollup?.contexts.pageInfo.endCursor ?? undefined;

/** Pages of 100 read before giving up: ROLLUP_MAX (a head with more is refused, saying so). */
const MAX_PAGES = ROLLUP_MAX / 100;

const withApp = (name: string, appId: number | null | undefined): RequiredCheck =>
  typeof appId === "number" && appId > 0 ? { name, appId } : { name };

/**
 * What can hold a blocked pull request, read in one GraphQL query (one more on a server without
 * `isRequired`, and one per further page of 100 checks), and what its base branch requires (REST,
 * Metadata: read).
 */
export function gitHubMergeBlockers(calls: GitHubCalls): Pick<VcsClient, "mergeBlockers" | "requiredChecks"> {
  const { octokit, appSlug, request, retry, ids } = calls;
  return {
    async requiredChecks(repo, branch) {
      // Classic protection's summary comes with the branch; rulesets' rules from their own endpoint
      // (a server without rulesets answers 404).
      const classic = await branchNow(calls, repo, branch);
      const rules = await retry(`reading the rules of branch ${branch}`, () =>
        octokit.paginate(octokit.rest.repos.getBranchRules, { ...ids(repo), branch, per_page: 100, request: request() }),
      ).catch(notFoundAs([]));
      const checks = classic?.protection?.required_status_checks;
      // A check listed with an app id must come from that app (its expected source); a bare context from any.
      const required: RequiredCheck[] = [
        ...(checks?.contexts ?? []).filter((name) => !checks?.checks?.some((c) => c.context === name)).map((name) => ({ name })),
        ...(checks?.checks ?? []).map((c) => withApp(c.context, c.app_id)),
      ];
      for (const rule of rules) {
        if (rule.type !== "required_status_checks") continue;
        required.push(...(rule.parameters?.required_status_checks ?? []).map((c) => withApp(c.context, c.integration_id)));
      }
      return required;
    },
    async mergeBlockers(repo, pr) {
      const { owner, repo: name } = ids(repo);
      const slug = await appSlug();
      const ask = (required: boolean, cursor?: string) =>
        retry(`reading what blocks #${pr}`, () =>
          octokit.graphql<MergeBlockersAnswer>(mergeBlockersQuery(required), {
            owner,
            name,
            number: pr,
            cursor: cursor ?? null,
            request: request(),
          }),
        );
      let required = true;
      let data = await ask(true).catch((e) => {
        if (!lacksIsRequired(e)) throw e;
        required = false;
        return ask(false);
      });
      const blockers = toMergeBlockers(data, slug, pr);
      // A head with more than a page of checks (matrix builds) is read on, page by page.
      for (let page = 1; blockers.more && page < MAX_PAGES; page++) {
        data = await ask(required, nextCursor(data));
        const next = toMergeBlockers(data, slug, pr);
        blockers.checks.push(...next.checks);
        blockers.more = next.more;
        // A head that moved between pages: the rule refuses what it read as another commit's.
        if (next.headSha !== blockers.headSha) blockers.headSha = next.headSha;
      }
      return blockers;
    },
  };
}
