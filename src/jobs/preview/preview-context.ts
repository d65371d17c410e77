import type { RepoSettings } from "../../config/repo-settings.js";
import { previewsByNamespace } from "../../preview/preview-workspace.js";
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
  /** Its account id where known: the settings that name people (`permissions`, `agents`) match by it. */
  actorId?: number;
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

/**
 * The tool arguments of a Terraform preview's variables; `-var-file` paths are checked inside the
 * checkout by the runner. Helm and Kustomize take none (their variables are in the project).
 */
export function previewArgs(p: Pick<PreviewRecord, "varFiles" | "vars" | "runner">): string[] {
  if (previewsByNamespace(p.runner)) return [];
  return [...p.varFiles.map((f) => `-var-file=${f}`), ...Object.entries(p.vars).map(([k, v]) => `-var=${k}=${v}`)];
}

/**
 * The project as the preview runs it: the same dir and name, the preview's own workspace. From
 * the trusted project (when the base branch still has it) it keeps what its tool renders with; a
 * Helm or Kustomize preview goes into its own namespace, with its values on top of the project's.
 */
export function previewProject(
  p: Pick<PreviewRecord, "repo" | "pr" | "project" | "dir" | "workspace" | "runner" | "varFiles" | "vars">,
  trusted?: Project,
): Project {
  const project: Project = { name: p.project, dir: p.dir, workspace: p.workspace, runner: p.runner };
  const previewOf = `${p.repo}#${p.pr}:${p.project}`;
  if (p.runner === "helm") {
    const helm = trusted?.helm ?? {};
    return {
      ...project,
      helm: { ...helm, values: [...(helm.values ?? []), ...p.varFiles], set: { ...(helm.set ?? {}), ...p.vars } },
      previewNamespace: p.workspace,
      previewOf,
    };
  }
  if (p.runner === "kustomize")
    return { ...project, ...(trusted?.kustomize ? { kustomize: trusted.kustomize } : {}), previewNamespace: p.workspace, previewOf };
  return project;
}

/** The base branch's project a preview is of, when the base branch still has it (by name and tool). */
export function trustedProjectOf(p: Pick<PreviewRecord, "project" | "runner">, trusted: readonly Project[]): Project | undefined {
  return trusted.find((q) => q.name === p.project && q.runner === p.runner);
}

/** A preview as it runs (name, dir, its own workspace) and the base branch's project it is of (undefined: none now). */
export interface PreviewAs {
  project: Project;
  trusted: Project | undefined;
}

/**
 * The previews of `records` not yet destroyed, by project name: where their dependents read
 * outputs (the caller picks which records count: a sync only those there now).
 */
export function previewProjects(records: readonly PreviewRecord[], trusted: readonly Project[]): Map<string, PreviewAs> {
  return new Map(
    records
      .filter((r) => r.status !== "destroyed")
      .map((r) => {
        const of = trustedProjectOf(r, trusted);
        return [r.project, { project: previewProject(r, of), trusted: of }];
      }),
  );
}

/**
 * The repository's settings as a job of previews reads them: each preview it names (the one it
 * runs, and the producers' previews whose outputs it reads) gets its trusted project's workflow,
 * secrets, binary, network and credentials rules, never looked up by its preview workspace (which
 * no rule names). Every other project (a producer without a preview) is looked up as it is, so
 * each project's outputs are read under its own rules, never the consumer's.
 */
export function previewSettings(settings: RepoSettings, previews: Iterable<PreviewAs>): RepoSettings {
  // Production's apply kubeconfig never reaches a preview, which is applied without approvals:
  // previews plan and apply with the server's `preview` kubeconfig for the repository, or not at all.
  const preview = settings.kubeconfig?.preview;
  const kubeconfig = preview ? { apply: preview, plan: preview } : undefined;
  const known = [...previews].filter((p): p is { project: Project; trusted: Project } => p.trusted !== undefined);
  // Every run of a preview job is a preview's, with the preview kubeconfig alone, also one whose
  // project the base branch no longer has (its teardown): never new_projects' nor production's.
  if (!known.length) return { ...settings, kubeconfig, newProjectKubeconfig: kubeconfig };
  const as = <T extends Pick<Project, "name" | "dir" | "workspace">>(q: T): T | Project =>
    known.find(({ project: p }) => p.name === q.name && p.dir === q.dir && p.workspace === q.workspace)?.trusted ?? q;
  return {
    ...settings,
    kubeconfig,
    newProjectKubeconfig: kubeconfig,
    identityOf: (q) => settings.identityOf(as(q)),
    workflowFor: (q) => settings.workflowFor(as(q)),
    secretSetFor: (q) => settings.secretSetFor(as(q)),
    binaryFor: (q) => settings.binaryFor(as(q)),
    networkFor: (q) => settings.networkFor(as(q)),
    credentialsFor: (q) => settings.credentialsFor(as(q)),
    planRulesFor: (q) => settings.planRulesFor(as(q)),
  };
}

/**
 * Only http(s) URLs become a deployment's `environment_url` or a link in the comment, and only
 * those the job's redaction leaves as they are: GitHub's deployment takes the URL unredacted, and
 * the comment cuts its link text before the body is redacted (a cut secret is no longer found).
 */
export function previewUrl(value: unknown, redact: (text: string) => string): string | undefined {
  if (typeof value !== "string" || value.length > 2000) return undefined;
  if (redact(value) !== value) return undefined;
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
