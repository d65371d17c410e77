import type { RepoSettings } from "../config/repo-settings.js";
import { ignoredSettings } from "../config/ignored-settings.js";
import { untrustedSettings } from "../config/untrusted-settings.js";
import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { RepoConfig } from "../model/repo-config.js";
import { type RepoConfigs, loadRepoConfigs } from "../repo-reading/load-repo-configs.js";
import { readCheckoutConfig } from "../repo-reading/read-checkout-config.js";
import { pullRequestSettings } from "../repo-reading/trusted-settings.js";
import { trustedCommit } from "../repo-reading/trusted-commit.js";

/**
 * A PR plan's configuration: the head's projects (after a pre-workflow hook, what it left in the
 * checkout: still the PR's, never trusted), the trusted side's settings, and every warning the
 * comment shows; or why nothing is planned (an invalid config).
 */
export async function planConfig(
  ctx: JobContext<SpecOf<"plan">>,
  pr: PullRequestInfo,
  checkoutDir: string,
  hooked: boolean,
): Promise<
  { ok: true; config: RepoConfig; configs: RepoConfigs; settings: RepoSettings; warnings: string[] } | { ok: false; refusal: string }
> {
  const { job, deps, vcs } = ctx;
  const { repo } = job.target;
  const trusted = await trustedCommit(deps, vcs, repo, pr, pr.baseSha);
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.headSha, trusted, deps.config.repo_config_file, pr.baseRef);
  const head = hooked ? await readCheckoutConfig(checkoutDir, deps.config.repo_config_file) : configs.head;
  if (!head.ok) {
    return { ok: false, refusal: `${head.file} is invalid; nothing was planned. Fix it and push again:\n${head.errors.join("\n")}` };
  }
  const config = head.config;
  const settings = await pullRequestSettings(deps, vcs, job, pr, trusted, configs.trusted);
  const warnings = [
    ...config.warnings,
    ...configs.warnings,
    ...ignoredSettings(deps.config, config),
    ...untrustedSettings(config, configs.trusted),
  ];
  return { ok: true, config, configs, settings, warnings };
}
