import type { components } from "@octokit/openapi-types";
import { pullRequestJson } from "./github-shapes.js";
import { notFound, ok, paginate } from "./rest-reply.js";
import { loginJson } from "./user-json.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { SimState } from "./sim-state.js";
import type { SimRepo } from "./sim-types.js";

type S = components["schemas"];

/** GitHub's cap on a pull request's commit list, and on a comparison read without pagination. */
const PR_COMMITS_CAP = 250;

/**
 * A user's membership of a team as GitHub reports it: their own, or else "active" through any
 * child team (GitHub: "the response includes members of child teams"), else none.
 */
export function teamMembership(state: SimState, team: string, login: string): "active" | "pending" | undefined {
  const key = team.toLowerCase();
  const own = state.teams.get(key)?.members.get(login.toLowerCase());
  if (own) return own;
  for (const [childKey, child] of state.teams) {
    if (child.parent?.toLowerCase() === key && childKey !== key && teamMembership(state, childKey, login) === "active") return "active";
  }
  return undefined;
}

/** A commit as GitHub's REST API shows it, with the signature verification GitHub computed. */
function commitJson(core: SimCore, repo: SimRepo, sha: string) {
  const { ctx } = core;
  const verified = repo.verifiedCommits?.has(sha) ?? false;
  const users = repo.commitUsers?.get(sha);
  const a = `${ctx.api}/repos/${repo.fullName}`;
  return {
    sha,
    node_id: `C_${sha.slice(0, 12)}`,
    url: `${a}/commits/${sha}`,
    html_url: `${repo.htmlUrl}/commit/${sha}`,
    comments_url: `${a}/commits/${sha}/comments`,
    commit: {
      url: `${a}/git/commits/${sha}`,
      message: "",
      comment_count: 0,
      tree: { sha: "", url: "" },
      author: null,
      committer: null,
      verification: {
        verified,
        reason: verified ? "valid" : "unsigned",
        signature: null,
        payload: null,
        verified_at: verified ? core.now() : null,
      },
    },
    author: users?.author ? loginJson(ctx, users.author) : null,
    committer: users?.committer ? loginJson(ctx, users.committer) : null,
    parents: [],
  } satisfies Partial<S["commit"]>;
}

/** Teams and the commit → pull requests lookup. */
export function registerNativeRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, state } = core;

  router.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const pr = core.pullOr404(repo, req.params.pull_number);
    // GitHub lists at most 250 commits of a pull request ("use the List commits endpoint" beyond).
    const shas = (await core.git.commitsBetween(repo.dir, pr.baseSha, pr.headSha)).slice(0, PR_COMMITS_CAP);
    const { page, headers } = paginate(req, shas, `${ctx.api}/repos/${repo.fullName}/pulls/${pr.number}/commits`);
    return ok(
      page.map((sha) => commitJson(core, repo, sha)),
      200,
      headers,
    );
  });

  // Compare two commits: the commits of `head` since its merge base with `base`, oldest first; up
  // to 250 without pagination parameters, all of them page by page with `per_page`/`page`.
  router.add("GET", "/repos/{owner}/{repo}/compare/{basehead}", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const [baseRef, headRef, ...rest] = (req.params.basehead ?? "").split("...");
    if (!baseRef || !headRef || rest.length) throw notFound();
    const [base, head] = [await core.git.resolve(repo.dir, baseRef), await core.git.resolve(repo.dir, headRef)];
    if (!base || !head) throw notFound();
    const all = await core.git.commitsBetween(repo.dir, base, head);
    const paged = req.query.has("per_page") || req.query.has("page");
    const { page, headers } = paged
      ? paginate(req, all, `${ctx.api}/repos/${repo.fullName}/compare/${req.params.basehead}`)
      : { page: all.slice(0, PR_COMMITS_CAP), headers: {} };
    const behind = await core.git.commitsBetween(repo.dir, head, base);
    const a = `${ctx.api}/repos/${repo.fullName}`;
    return ok(
      {
        url: `${a}/compare/${req.params.basehead}`,
        html_url: `${repo.htmlUrl}/compare/${req.params.basehead}`,
        permalink_url: `${repo.htmlUrl}/compare/${base}...${head}`,
        diff_url: `${repo.htmlUrl}/compare/${req.params.basehead}.diff`,
        patch_url: `${repo.htmlUrl}/compare/${req.params.basehead}.patch`,
        base_commit: commitJson(core, repo, base),
        merge_base_commit: commitJson(core, repo, base),
        status: all.length && behind.length ? "diverged" : all.length ? "ahead" : behind.length ? "behind" : "identical",
        ahead_by: all.length,
        behind_by: behind.length,
        total_commits: all.length,
        commits: page.map((sha) => commitJson(core, repo, sha)),
      },
      200,
      headers,
    );
  });

  router.add("GET", "/repos/{owner}/{repo}/commits/{ref}", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const sha = await core.git.resolve(repo.dir, req.params.ref ?? "");
    if (!sha) throw notFound();
    return ok(commitJson(core, repo, sha));
  });

  router.add("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", "token", (req) => {
    const team = `${req.params.org}/${req.params.team_slug}`;
    if (!state.teams.has(team.toLowerCase())) throw notFound();
    const membership = teamMembership(state, team, req.params.username ?? "");
    if (!membership) throw notFound();
    const body: S["team-membership"] = {
      url: `${ctx.api}/orgs/${req.params.org}/teams/${req.params.team_slug}/memberships/${req.params.username}`,
      role: "member",
      state: membership,
    };
    return ok(body);
  });

  router.add("GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const sha = req.params.commit_sha ?? "";
    // GitHub associates a commit with PRs of the repository's own branches: a fork's head commit
    // lists no PR here (its PR is found by listing the open PRs).
    const pulls = [...state.pulls.values()].filter(
      (p) => p.repo === repo && p.headSha === sha && (p.headRepoFullName ?? repo.fullName) === repo.fullName,
    );
    return ok(await Promise.all(pulls.map(async (p) => pullRequestJson(ctx, p, await core.pullFacts(p)))));
  });
}
