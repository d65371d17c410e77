import { type RepoSettings, repoSettings } from "../config/repo-settings.js";
import type { JobContext } from "../job-context/job-context.js";
import type { ProjectTree } from "../model/project-tree.js";
import type { Project } from "../model/project.js";
import type { RepoConfig } from "../model/repo-config.js";
import { repoFullName } from "../model/repo.js";
import type { Checkout } from "../workspace/workspace.js";
import { resolveProjects } from "../projects/resolve-projects.js";
import { loadRepoConfigs } from "../repo-reading/load-repo-configs.js";
import { readRepoTreeAt } from "../repo-reading/read-repo-tree.js";
import { PROJECT_DETECTORS } from "../../runners/registry.js";
import { checkoutDefaultHead } from "./checkout-default-head.js";
import { DRIFT_CHECK } from "./render-drift.js";
import { schedulesOf } from "./schedules-of.js";
import { refusedOutright } from "../vcs/refused-outright.js";

/** The default branch head as every drift job starts from it: checked out, configured, its projects known. */
export interface DefaultHead {
  head: { name: string; sha: string };
  checkout: Checkout;
  config: RepoConfig;
  settings: RepoSettings;
  /** Its files and local references, to follow a project's modules. */
  tree: ProjectTree;
  all: Project[];
}

/**
 * Checks out and reads the default branch head, and keeps the repo's stored drift schedules in
 * line with its config (every drift job does: a schedule changes with the branch). An invalid
 * config fails the `sluice/drift` check on that head and is said with `say`; then undefined. A
 * repository GitHub refuses to show loses its stored schedules (nothing can be said there); then
 * undefined too.
 */
export async function readDefaultHead(ctx: JobContext, say: (text: string) => Promise<void>): Promise<DefaultHead | undefined> {
  const { job, deps, vcs, secrets } = ctx;
  const repo = job.target.repo;
  const name = repoFullName(repo);
  const read = await checkoutDefaultHead(ctx).catch(async (e: unknown) => {
    if (!refusedOutright(e)) throw e;
    // Deleted, or out of the installation: every tick of its stored schedules would queue a check
    // that fails here, for ever. They go; the hourly enrollment, or a push, brings them back once
    // GitHub shows the repository to Sluice again.
    await deps.store.syncDriftSchedules(name, { ...job.target, pr: 0, payloadHeadSha: undefined }, []);
    deps.log.warn(
      { jobId: job.id, repo: name, status: e.status },
      "GitHub refuses to show this repository to Sluice (deleted, or out of the installation): its drift schedules are dropped until it is enrolled again",
    );
    // Asked in a comment, the asker is told, where GitHub still takes a comment.
    await say(
      `GitHub refused Sluice the default branch of this repository (${e.status}), so nothing was checked, and its drift schedules were dropped until Sluice can read it again (the app's installation must include this repository, with read access to its contents).`,
    ).catch(() => undefined);
    return undefined;
  });
  if (!read) return undefined;
  const { head, checkout } = read;
  const configs = await loadRepoConfigs(deps.workspace, repo, head.sha, head.sha, deps.config.repo_config_file);
  if (!configs.head.ok) {
    const text = `${configs.head.file} on ${head.name} is invalid, so no drift check ran:\n${configs.head.errors.join("\n")}`;
    await vcs.createCheck(repo, DRIFT_CHECK, head.sha, {
      status: "completed",
      conclusion: "failure",
      title: "Invalid repository config",
      summary: secrets.redact(text),
    });
    await say(text);
    return undefined;
  }
  const config = configs.head.config;
  const tree = await readRepoTreeAt(deps.workspace, repo, head.sha, checkout.files);
  const all = resolveProjects(config, tree, [], PROJECT_DETECTORS).all;
  // The default branch's head is the trusted commit: its projects are who they are.
  const settings = repoSettings(deps.config, name, configs.trusted, process.env, all, await deps.store.formerRepositoryNames(name));
  await deps.store.syncDriftSchedules(
    name,
    { ...job.target, pr: 0, payloadHeadSha: undefined },
    schedulesOf(all, (p) => settings.driftFor(p).schedule, Date.now()),
  );
  return { head, checkout, config, settings, tree, all };
}
