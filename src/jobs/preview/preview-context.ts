import type { RepoSettings } from "../../config/repo-settings.js";
import type { Job } from "../../model/job.js";
import type { PreviewRecord } from "../../model/preview.js";
import type { Project } from "../../model/project.js";
import type { PullRequestInfo } from "../../model/pull-request.js";
import type { OutputValues } from "../../model/project-inputs.js";
import type { VcsClient } from "../../vcs/vcs-client.js";
import type { Checkout } from "../../workspace/workspace.js";
import type { JobDeps } from "../../job-context/job-deps.js";
import type { Secrets } from "../../job-context/secrets.js";

/** What every step of a preview job reads: the PR, its trusted settings, one checkout. */
export interface PreviewContext {
  job: Job;
  deps: JobDeps;
  vcs: VcsClient;
  secrets: Secrets;
  pr: PullRequestInfo;
  settings: RepoSettings;
  checkout: Checkout;
  /** Who this run acts for: the pusher (sync), the commenter, or "sluice" (close, TTL, sweep). */
  actor: string;
  now(): number;
}

/**
 * What a preview's plan and apply run with: a preview's context, or a scheduled destroy's, which
 * has no pull request and names the branch its run tokens claim instead.
 */
export type PreviewRun = Omit<PreviewContext, "pr"> & ({ pr: PullRequestInfo } | { pr?: undefined; branch: string });

/** The `base_ref` a run of this preview claims: the PR's base, or the branch a scheduled destroy read. */
export function baseRefOf(run: PreviewRun): string {
  return run.pr ? run.pr.baseRef : run.branch;
}

/** The tool arguments of a preview's variables; `-var-file` paths are checked inside the checkout by the runner. */
export function previewArgs(p: Pick<PreviewRecord, "varFiles" | "vars">): string[] {
  return [...p.varFiles.map((f) => `-var-file=${f}`), ...Object.entries(p.vars).map(([k, v]) => `-var=${k}=${v}`)];
}

/** The project as the preview runs it: the same dir and name, the preview's own workspace. */
export function previewProject(p: Pick<PreviewRecord, "project" | "dir" | "workspace" | "runner">): Project {
  return { name: p.project, dir: p.dir, workspace: p.workspace, runner: p.runner };
}

/** Only http(s) URLs become a deployment's `environment_url` or a link in the comment. */
export function previewUrl(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > 2000) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Sensitive outputs never leave the runner's answer: only known, non-sensitive values can become a preview's URL. */
export function shownOutputs(outputs: OutputValues): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).flatMap(([k, o]) => (o.sensitive || !o.known ? [] : [[k, o.value]])));
}
