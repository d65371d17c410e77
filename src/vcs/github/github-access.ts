import type { VcsClient } from "../vcs-client.js";
import { type GitHubCalls, notFoundAs } from "./github-calls.js";

/** Who may do what: a user's permission on a repository, their team memberships, and the installation's own token. */
export function gitHubAccess({
  octokit,
  request,
  retry,
  ids,
}: GitHubCalls): Pick<VcsClient, "permissionOf" | "teamMember" | "userId" | "cloneToken"> {
  return {
    async permissionOf(repo, user) {
      const answer = await retry(`reading the permission of ${user}`, () =>
        octokit.rest.repos.getCollaboratorPermissionLevel({ ...ids(repo), username: user, request: request() }),
      ).catch(notFoundAs(undefined));
      // Not a collaborator at all.
      if (!answer) return "none";
      const { data } = answer;
      // role_name distinguishes maintain and triage, which `permission` folds into write and read.
      const role = (data as { role_name?: string }).role_name;
      if (role === "maintain" || role === "triage") return role;
      const p = data.permission;
      return p === "admin" || p === "write" || p === "read" ? p : "none";
    },
    async teamMember(org, teamSlug, user) {
      const membership = await retry(`reading ${user}'s membership of ${org}/${teamSlug}`, () =>
        octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: teamSlug, username: user, request: request() }),
      ).catch(notFoundAs(undefined));
      // No membership at all (404), or "pending", an invitation not yet accepted: not a member.
      return membership?.data.state === "active";
    },
    async userId(login) {
      const answer = await retry(`reading the account of ${login}`, () =>
        octokit.rest.users.getByUsername({ username: login, request: request() }),
      ).catch(notFoundAs(undefined));
      return answer?.data.id;
    },
    async cloneToken() {
      const auth = (await retry("minting an installation token", () =>
        (octokit.auth as (o: { type: string }) => Promise<unknown>)({ type: "installation" }),
      )) as { token?: string };
      if (!auth.token) throw new Error("the installation token could not be read");
      return auth.token;
    },
  };
}
