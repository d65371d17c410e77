import type { VcsClient } from "../vcs/vcs-client.js";

/**
 * The first of `teams` (`org/team-slug`) that `user` is an active member of, asking GitHub team by
 * team (nested teams count: GitHub reports members of child teams as members of the parent).
 */
export async function memberOfTeams(
  vcs: Pick<VcsClient, "teamMember">,
  teams: readonly string[],
  user: string,
): Promise<string | undefined> {
  for (const team of teams) {
    const [org, slug] = team.split("/");
    if (!org || !slug) continue;
    if (await vcs.teamMember(org, slug, user)) return team;
  }
  return undefined;
}
