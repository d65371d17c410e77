import type { components } from "@octokit/openapi-types";
import { pullRequestJson } from "./github-shapes.js";
import { notFound, ok } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { SimState } from "./sim-state.js";

type S = components["schemas"];

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

/** Teams and the commit → pull requests lookup. */
export function registerNativeRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, state } = core;

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
    const pulls = [...state.pulls.values()].filter((p) => p.repo === repo && p.headSha === sha);
    return ok(await Promise.all(pulls.map(async (p) => pullRequestJson(ctx, p, await core.pullFacts(p)))));
  });
}
