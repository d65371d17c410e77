import type { Probot } from "probot";
import type { RepoRef } from "../../model/repo.js";

export interface InstalledRepo {
  installationId: number;
  repo: RepoRef;
  cloneUrl: string;
}

/** Every repository of every installation of the app (app JWT, then each installation's token). */
export async function listInstalledRepos(probot: Probot): Promise<InstalledRepo[]> {
  const app = await probot.auth();
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  const out: InstalledRepo[] = [];
  for (const installation of installations) {
    // GitHub lists an installation its owner suspended but refuses its token: one account
    // suspending the app would otherwise stop the listing (and drift) of every other account.
    if (installation.suspended_at) continue;
    const octokit = await probot.auth(installation.id);
    const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    for (const r of repos)
      out.push({ installationId: installation.id, repo: { owner: r.owner.login, name: r.name }, cloneUrl: r.clone_url });
  }
  return out;
}
