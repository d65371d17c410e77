import type { components } from "@octokit/openapi-types";
import { notFound, ok } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";

type S = components["schemas"];

/** Team membership, as GitHub answers it: 404 for a non-member and for an unknown team alike. */
export function registerTeamRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, state } = core;
  router.add("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", "token", (req) => {
    const { org = "", team_slug = "", username = "" } = req.params;
    const members = state.teams.get(`${org}/${team_slug}`.toLowerCase());
    if (!members?.has(username.toLowerCase())) throw notFound();
    const body: S["team-membership"] = {
      url: `${ctx.api}/orgs/${org}/teams/${team_slug}/memberships/${username}`,
      role: "member",
      state: "active",
    };
    return ok(body);
  });
}
