import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { ProjectResult } from "../model/project-result.js";
import { type Project, projectKey } from "../model/project.js";
import { resolveProjects } from "../projects/resolve-projects.js";
import { type RepoSettings, repoSettings } from "../config/repo-settings.js";
import { selectProjects } from "../projects/select-projects.js";
import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { Checkout } from "../workspace/git-workspace.js";
import { hashFile } from "../workspace/hash-file.js";
import { withoutSecrets } from "./without-secrets.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { JobDeps } from "./job-deps.js";
import { createCommentPublisher } from "./publish-comments.js";
import { loadRepoConfigs } from "./load-repo-configs.js";
import { planOrder } from "./plan-order.js";
import { readRepoTree } from "./read-repo-tree.js";
import { sandboxedExec } from "./sandboxed-exec.js";
import { type Secrets, secretsFor } from "./secrets.js";

type Publisher = ReturnType<typeof createCommentPublisher>;

/** A plan job: autoplan or `/plan`, from the live PR head to the rendered comment and check. */
export async function runPlanJob(job: Job, deps: JobDeps): Promise<void> {
  if (job.spec.kind !== "plan") throw new Error(`runPlanJob got a ${job.spec.kind} job`);
  const spec = job.spec;
  const vcs = await deps.vcsFor(job);
  const secrets = secretsFor(deps);
  const pr = await vcs.pullRequest(job.target.repo, job.target.pr);
  // `atlantis plan` is for repos moving from Atlantis; elsewhere another bot may own that word.
  if (spec.viaAtlantis && !(await usesAtlantisConfig(deps, job, vcs, pr))) return;
  if (spec.commentId) void vcs.react(job.target.repo, spec.commentId, "eyes").catch(() => undefined);
  const publisher = createCommentPublisher(vcs, deps, job, {
    command: "plan",
    headSha: pr.headSha,
    trigger: { text: spec.trigger === "autoplan" ? "autoplan" : (spec.commandLine ?? "/plan"), user: spec.actor },
    maxComments: deps.config.max_comments,
  });
  await publisher.publish({ state: "queued", results: [] }, secrets.redact);
  const held: Checkout[] = [];
  try {
    await planPullRequest(job, deps, vcs, pr, publisher, secrets, held);
  } catch (e) {
    await publisher.fault(e, secrets.redact);
    throw e;
  } finally {
    for (const c of held) c.release();
  }
}

/** Whether the PR's head is configured by atlantis.yaml (and no .sluice.yaml). */
export async function usesAtlantisConfig(deps: JobDeps, job: Job, vcs: VcsClient, pr: PullRequestInfo): Promise<boolean> {
  const token = await vcs.cloneToken();
  const { repo, cloneUrl } = job.target;
  const checkout = await deps.workspace.checkout({ repo, cloneUrl, token, pr: pr.number, headSha: pr.headSha, baseSha: pr.baseSha, baseRef: pr.baseRef });
  checkout.release();
  const { head } = await loadRepoConfigs(deps.workspace, repo, pr.headSha, pr.headSha);
  return head.ok ? head.config.source === "atlantis.yaml" : head.file === "atlantis.yaml";
}

async function hold(held: Checkout[], pending: Promise<Checkout>): Promise<Checkout> {
  const checkout = await pending;
  held.push(checkout);
  return checkout;
}

async function done(publisher: Publisher, secrets: Secrets, notice: string, failed = false): Promise<void> {
  await publisher.publish({ state: "done", results: [], notice, tone: failed ? "failed" : "info" }, secrets.redact);
  await publisher.check({ state: "done", results: [], notice, failed }, secrets.redact);
}

async function planPullRequest(
  job: Job,
  deps: JobDeps,
  vcs: VcsClient,
  pr: PullRequestInfo,
  publisher: Publisher,
  secrets: Secrets,
  /** Worktrees this job uses, released when it ends. */
  held: Checkout[],
): Promise<void> {
  if (job.spec.kind !== "plan") return;
  const spec = job.spec;
  const { repo } = job.target;
  if (pr.state !== "open") return done(publisher, secrets, "This pull request is closed: nothing was planned.");
  if (pr.headRepo !== repoFullName(repo) && !deps.config.allow_fork_prs) {
    return done(
      publisher,
      secrets,
      "This pull request comes from a fork. A plan runs the PR's code on the Sluice server, so this server does not plan forks (server setting `allow_fork_prs`).",
    );
  }
  // GitHub calls that only report progress overlap the fetch and the plans instead of delaying them.
  const progress: Promise<unknown>[] = [publisher.check({ state: "queued", results: [] }, secrets.redact)];
  const reported = async () => {
    await Promise.all(progress);
  };
  for (const p of progress) p.catch(() => undefined);

  const token = await vcs.cloneToken();
  secrets.add([token]);
  const checkout = await hold(held, deps.workspace.checkout({
    repo,
    cloneUrl: job.target.cloneUrl,
    token,
    pr: pr.number,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    baseRef: pr.baseRef,
  }));
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.headSha, pr.baseSha);
  if (!configs.head.ok) {
    const { file, errors } = configs.head;
    return done(publisher, secrets, `${file} is invalid; nothing was planned. Fix it and push again:\n${errors.join("\n")}`, true);
  }
  const config = configs.head.config;
  const settings = repoSettings(deps.config, repoName(job), configs.trusted);
  const warnings = [...config.warnings, ...configs.warnings];

  const tree = await readRepoTree(checkout.dir, checkout.files, await deps.workspace.filesWithLocalSources(repo, pr.headSha));
  const resolved = resolveProjects(config, tree, checkout.changedFiles);
  const strict = config.projects.length > 0 && !config.autodiscover.enabled;
  const selection = spec.command
    ? selectProjects(resolved.all, resolved.affected, spec.command.filter, { strictWorkspaces: strict })
    : { projects: resolved.affected };
  if ("error" in selection) return done(publisher, secrets, selection.error, true);
  const projects = selection.projects;
  if (projects.length === 0) {
    return done(publisher, secrets, withWarnings("No project is affected by the changes in this pull request.", warnings));
  }
  const order = planOrder(config, resolved.all, projects);
  if (!order.ok) return done(publisher, secrets, `The project graph in ${config.source} is invalid: ${order.error}`, true);

  await supersedeOutdatedPlans(deps, job, pr, spec.command ? undefined : projects);

  const results = new Map<string, ProjectResult>();
  const pending = () => projects.filter((p) => !results.has(p.name)).map((p) => p.name);
  progress.push(
    publisher.publish({ state: "running", results: [], pending: pending() }, secrets.redact),
    publisher.check({ state: "running", results: [], pending: pending() }, secrets.redact),
  );
  for (const p of progress) p.catch(() => undefined);

  await mkdir(dirname(dataPaths.jobLog(deps.dataDir, job.id, "x")), { recursive: true });
  // Helm and Kustomize plans diff renders: they need the tree the PR's changes start from.
  const needsBase = projects.some((p) => deps.runners[p.runner]?.needsBase);
  const baseCheckout = needsBase
    ? await hold(
        held,
        deps.workspace.checkout({ repo, cloneUrl: job.target.cloneUrl, token, pr: pr.number, headSha: checkout.mergeBase, baseSha: checkout.mergeBase, baseRef: pr.baseRef }),
      )
    : undefined;
  const sensitive: string[] = [];
  const ctx: ProjectContext = { job, deps, pr, checkout, baseDir: baseCheckout?.dir, settings, secrets, extraArgs: spec.command?.extraArgs ?? [] };
  const failed = new Set<string>();
  for (const [i, wave] of order.waves.entries()) {
    const run = (project: Project) =>
      deps.projectQueue.add(() =>
        deps.store.runExclusive(projectKey(repoName(job), project), async () => {
          const blocker = order.dependsOn(project).find((d) => failed.has(d));
          const result = blocker
            ? dependencyFailed(project, blocker)
            : (deps.log.info({ jobId: job.id, project: project.name, wave: i + 1 }, "planning project"),
              await planProject(ctx, project));
          if (result.status === "planned") sensitive.push(...result.summary.sensitiveValues);
          else failed.add(project.name);
          results.set(project.name, result);
        }),
      );
    if (settings.parallelPlan) await Promise.all(wave.map(run));
    else for (const project of wave) await run(project);
  }

  // Sensitive values are known only once each plan is shown: everything posted is redacted with all of them.
  secrets.add(sensitive);
  const ordered = projects.map((p) => results.get(p.name)).filter((r): r is ProjectResult => r !== undefined);
  const notice = warnings.length ? withWarnings("", warnings) : undefined;
  await reported();
  await publisher.final({ state: "done", results: ordered, notice }, secrets.redact);
}

function withWarnings(text: string, warnings: string[]): string {
  if (!warnings.length) return text;
  return `${text}${text ? " " : ""}Configuration warnings:\n${warnings.join("\n")}`;
}

function dependencyFailed(project: Project, blocker: string): ProjectResult {
  return {
    project,
    status: "error",
    failedStep: "depends_on",
    message: `not planned: it depends on \`${blocker}\`, whose plan did not succeed`,
    output: "",
  };
}

/** Helm `secret_set`: value key -> server secret name, resolved here, never read from the PR. */
export function resolveSecretSet(
  project: Project,
  settings: Pick<RepoSettings, "secret">,
): { values: Record<string, string> } | { missing: string } {
  const values: Record<string, string> = {};
  for (const [key, name] of Object.entries(project.helm?.secretSet ?? {})) {
    const value = settings.secret(name);
    if (value === undefined) return { missing: name };
    values[key] = value;
  }
  return { values };
}

/**
 * A plan at an older head can never be applied (apply checks the live head), but it is marked
 * superseded at once so nothing lists it; in an autoplan, projects no longer affected lose theirs.
 */
async function supersedeOutdatedPlans(deps: JobDeps, job: Job, pr: PullRequestInfo, affected?: Project[]) {
  const repo = repoName(job);
  const pending = await deps.store.pendingPlans(repo, pr.number);
  const stale = pending.filter(
    (p) =>
      p.headSha !== pr.headSha ||
      (affected !== undefined && !affected.some((a) => a.dir === p.dir && a.workspace === p.workspace)),
  );
  if (stale.length) await deps.store.supersedePlans(repo, pr.number, stale);
}

const repoName = (job: Job) => repoFullName(job.target.repo);

/** The URL of another PR of the same repo, from this PR's URL. */
export function siblingPrUrl(htmlUrl: string, number: number): string {
  return htmlUrl.replace(/\/pull\/\d+$/, `/pull/${number}`);
}

interface ProjectContext {
  job: Job;
  deps: JobDeps;
  pr: PullRequestInfo;
  checkout: Checkout;
  baseDir?: string;
  settings: RepoSettings;
  secrets: Secrets;
  extraArgs: string[];
}

async function planProject(ctx: ProjectContext, project: Project): Promise<ProjectResult> {
  const { job, deps, pr, checkout, settings, secrets } = ctx;
  const runner = deps.runners[project.runner];
  if (!runner) {
    const message = `no runner for ${project.runner} projects on this server`;
    return { project, status: "error", failedStep: "runner", message, output: "" };
  }
  const repo = repoName(job);
  const workflow = settings.workflowFor(project);
  if (workflow.refusal) return { project, status: "refused", reason: workflow.refusal, output: "" };
  const secretSet = resolveSecretSet(project, settings);
  if ("missing" in secretSet) {
    return { project, status: "refused", reason: `secret \`${secretSet.missing}\` is not defined on this Sluice server`, output: "" };
  }
  secrets.add(Object.values(secretSet.values));
  const dataDir = dataPaths.projectPlan(deps.dataDir, job.target.repo, job.target.pr, project.dir, project.workspace);
  // The base checkout is writable too: `helm dependency build` of the base chart writes its charts/.
  const sandboxed = sandboxedExec(deps, job, project, { writable: [checkout.dir, ctx.baseDir, dataDir], readable: [settings.kubeconfig] });
  if (!sandboxed.ok) return { project, status: "refused", reason: sandboxed.reason, output: "" };
  const lock = await deps.store.takeLock(
    { repo, dir: project.dir, workspace: project.workspace, project: project.name, pr: pr.number },
    job.target,
  );
  if (!lock.ok) {
    const holder = lock.heldBy.pr;
    return {
      project,
      status: "refused",
      reason: `locked by #${holder}: that pull request holds this project until it merges or closes, or \`/unlock\` is commented there. This PR will be planned again when the lock is released.`,
      link: { text: `#${holder}`, url: siblingPrUrl(pr.htmlUrl, holder) },
      output: "",
    };
  }
  const log = createWriteStream(dataPaths.jobLog(deps.dataDir, job.id, project.name));
  try {
    const outcome = await runner.plan(
      {
        project,
        checkoutDir: checkout.dir,
        baseCheckoutDir: ctx.baseDir,
        secretSet: secretSet.values,
        workflow: workflow.workflow,
        kubeconfig: settings.kubeconfig,
        binary: settings.binaryFor(project),
        dataDir,
        extraArgs: ctx.extraArgs,
        env: deps.runnerEnv,
        timeoutMs: deps.config.step_timeout,
        redact: secrets.redact,
        onOutput: (chunk) => log.write(chunk),
      },
      sandboxed.exec,
    );
    if (outcome.ok) {
      await deps.store.savePlan({
        repo,
        pr: pr.number,
        project: project.name,
        dir: project.dir,
        workspace: project.workspace,
        runner: project.runner,
        headSha: pr.headSha,
        baseSha: pr.baseSha,
        planPath: outcome.planFile,
        planHash: await hashFile(outcome.planFile),
        summary: withoutSecrets(outcome.summary),
        jobId: job.id,
      });
      return { project, status: "planned", summary: outcome.summary, output: outcome.output, durationMs: outcome.durationMs };
    }
    return {
      project,
      status: "error",
      failedStep: outcome.failedStep,
      message: outcome.message,
      output: outcome.output,
      durationMs: outcome.durationMs,
    };
  } finally {
    log.end();
  }
}
