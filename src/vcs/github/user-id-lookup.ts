import type { Probot } from "probot";
import { notFoundAs } from "./github-calls.js";

/** The app's first installation that is not suspended: the public user endpoints take any installation's token. */
async function anyInstallation(probot: Probot) {
  const app = await probot.auth();
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  const usable = installations.find((i) => !i.suspended_at);
  if (!usable) throw new Error("the app has no installation whose token could ask GitHub");
  return probot.auth(usable.id);
}

/** `GET /users/{username}`. Undefined: no account has the login. */
export function userIdLookup(probot: Probot): (login: string) => Promise<number | undefined> {
  return async (login) => {
    const octokit = await anyInstallation(probot);
    const answer = await octokit.rest.users.getByUsername({ username: login }).catch(notFoundAs(undefined));
    return answer?.data.id;
  };
}

/** `GET /user/{account_id}`: the login the account has now. Undefined: no account has the id. */
export function accountLoginLookup(probot: Probot): (accountId: number) => Promise<string | undefined> {
  return async (accountId) => {
    const octokit = await anyInstallation(probot);
    const answer = await octokit.request("GET /user/{account_id}", { account_id: accountId }).catch(notFoundAs(undefined));
    return answer?.data.login;
  };
}
