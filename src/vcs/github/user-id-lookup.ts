import type { Probot } from "probot";

/**
 * `GET /users/{username}` with the token of the app's first installation that is not suspended
 * (the endpoint is public: any installation's token will do). Undefined: no account has the login.
 */
export function userIdLookup(probot: Probot): (login: string) => Promise<number | undefined> {
  return async (login) => {
    const app = await probot.auth();
    const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
    const usable = installations.find((i) => !i.suspended_at);
    if (!usable) throw new Error("the app has no installation whose token could ask GitHub");
    const octokit = await probot.auth(usable.id);
    const answer = await octokit.rest.users
      .getByUsername({ username: login })
      .catch((e: unknown) => ((e as { status?: number }).status === 404 ? undefined : Promise.reject(e)));
    return answer?.data.id;
  };
}
