import type { RepoSettings } from "../../config/repo-settings.js";
import type { JobDeps } from "../../job-context/job-deps.js";
import type { Secrets } from "../../job-context/secrets.js";
import { type Job, actorIdField } from "../../model/job.js";
import type { PullRequestInfo } from "../../model/pull-request.js";
import { type RepoRef, repoFullName } from "../../model/repo.js";
import type { Decision } from "../../policy/decision.js";
import { type RepoConfigs, loadRepoConfigs } from "../../repo-reading/load-repo-configs.js";
import { pullRequestSettings } from "../../repo-reading/trusted-settings.js";
import { trustedCommit } from "../../repo-reading/trusted-commit.js";
import type { VcsClient } from "../../vcs/vcs-client.js";
import type { Checkout } from "../../workspace/workspace.js";
import type { PreviewContext } from "./preview-context.js";
import type { SyncOutcome } from "./sync-preview.js";

type Spec = Extract<Job["spec"], { kind: "preview" }>;

/** What one preview job's teardowns and syncs share: who asked, the PR, and what it will say on it. */
export interface PreviewRun {
  job: Job;
  spec: Spec;
  deps: JobDeps;
  vcs: VcsClient;
  secrets: Secrets;
  pr: PullRequestInfo;
  repo: RepoRef;
  /** `owner/name`. */
  name: string;
  token: string;
  now: () => number;
  /** A comment asked. */
  byCommand: boolean;
  /** A person asked (a comment, or the console's or the API's Destroy): the gate and the run name them. */
  byPerson: boolean;
  /** What was said of the person who asked when the job started (ALLOWED when Sluice acts itself). */
  actorAllowed: Decision;
  /** The same, asked again: at each preview's gate, so a person demoted meanwhile is refused there. */
  actorNow: () => Promise<Decision>;
  /** What the PR's preview comment says, and each project's last output. */
  notices: string[];
  outputs: Map<string, string>;
  /** Previews a recreate destroyed with its project's (their producer's), synced again with it. */
  retaken: Set<string>;
  checkoutAt(sha: string): Promise<Checkout>;
  /** The settings and configs of `sha`, trusted by the PR's base. */
  settingsAt(sha: string): Promise<RepoSettings & { configs: RepoConfigs }>;
  context(checkout: Checkout, settings: RepoSettings, actor: string, actorId?: number): PreviewContext;
  /** Keeps a project's outcome for the comment: its notice, its output redacted. */
  record(project: string, outcome: SyncOutcome): void;
}

/** The run of one preview job of `pr`, its checkouts made with `token`. */
export function previewRun(
  f: Pick<
    PreviewRun,
    "job" | "spec" | "deps" | "vcs" | "secrets" | "pr" | "token" | "now" | "byCommand" | "byPerson" | "actorAllowed" | "actorNow"
  >,
): PreviewRun {
  const { job, deps, vcs, secrets, pr, token, now } = f;
  const repo = job.target.repo;
  const notices: string[] = [];
  const outputs = new Map<string, string>();
  return {
    ...f,
    repo,
    name: repoFullName(repo),
    notices,
    outputs,
    retaken: new Set<string>(),
    checkoutAt: (sha) =>
      deps.workspace.checkout({
        repo,
        cloneUrl: job.target.cloneUrl,
        token,
        pr: pr.number,
        headSha: sha,
        baseSha: pr.baseSha,
        baseRef: pr.baseRef,
      }),
    async settingsAt(sha) {
      const trusted = await trustedCommit(deps, vcs, repo, pr, pr.baseSha);
      const configs = await loadRepoConfigs(deps.workspace, repo, sha, trusted, deps.config.repo_config_file, pr.baseRef);
      return { ...(await pullRequestSettings(deps, vcs, job, pr, trusted, configs.trusted)), configs };
    },
    context: (checkout, settings, actor, actorId) => ({
      job,
      deps,
      vcs,
      secrets,
      pr,
      settings,
      checkout,
      actor,
      ...actorIdField(actorId),
      now,
    }),
    record(project, o) {
      if (o.notice) notices.push(o.notice);
      if (o.output) outputs.set(project, secrets.redact(o.output));
    },
  };
}
