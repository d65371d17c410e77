import type { RepoSettings } from "../config/repo-settings.js";
import type { JobWith, SpecOf } from "../model/job.js";
import type { ProjectConfig } from "../model/repo-config.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { Checkout } from "../workspace/workspace.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { HeadConfig } from "../repo-reading/load-repo-configs.js";
import type { Secrets } from "../job-context/secrets.js";
import type { ProjectRunner } from "../tool-runs/project-runner.js";
import type { TrustedCommit } from "../repo-reading/trusted-commit.js";

/** What one apply job of a pull request (a comment, the button, or a merge) works with. */
export interface ApplyContext {
  job: JobWith<SpecOf<"apply">>;
  deps: JobDeps;
  vcs: VcsClient;
  pr: PullRequestInfo;
  token: string;
  head: Checkout;
  secrets: Secrets;
  settings: RepoSettings;
  headConfig: HeadConfig;
  /** Apply on merge: the merge commit and its checkout. */
  merge?: { sha: string; checkout: Checkout };
  /**
   * Whether the base branch's config is trusted (the commit whose config and CODEOWNERS decide:
   * the base branch, before the merge on merge), or why not (then neither is a merge into it, and
   * the default branch's head decides).
   */
  trusted: TrustedCommit;
  /** That commit's projects (their `inputs_from` / `values_from` say which sensitive outputs may pass). */
  trustedProjects?: ProjectConfig[];
  /** Where the projects' tools run (the job's one project runner). */
  tools: ProjectRunner;
}
