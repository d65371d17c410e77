import type { JobContext } from "../job-context/job-context.js";
import { actorOf, type SpecOf } from "../model/job.js";
import type { Project } from "../model/project.js";
import { repoFullName } from "../model/repo.js";
import { selectProjects } from "../projects/select-projects.js";
import { escapeText } from "../render/escape-text.js";
import { inlineCode } from "../render/inline.js";
import { inOrder, type ProjectRun, runProjects } from "../tool-runs/run-projects.js";
import type { IssueInfo } from "../vcs/vcs-client.js";
import { checkDriftProject, type DriftContext } from "./check-drift-project.js";
import { driftCheckOf } from "./drift-check-of.js";
import { pauseOf } from "./pause-of.js";
import type { DriftRun, ProjectDrift } from "./drift-result.js";
import { mayRunDrift } from "./may-run-drift.js";
import { type DefaultHead, readDefaultHead } from "./read-default-head.js";
import { DRIFT_CHECK, renderDriftCheck } from "./render-drift.js";
import { syncDriftIssues } from "./sync-drift-issues.js";
import { errorMessage } from "../util/errors.js";
import { commandStillAsked } from "../authorization/command-still-asked.js";

/**
 * A drift check: `/drift [-p|-d|-w]`, or a schedule that came due. Plans the default branch head
 * of each project, classifies what differs, reconciles where the repo asks for it, and reports:
 * the `sluice/drift` check run on that head and one issue per drifted project.
 */
export async function runDriftCheckJob(ctx: JobContext<SpecOf<"drift-check">>): Promise<void> {
  const { job, deps, vcs, secrets } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  const name = repoFullName(repo);
  // A scheduled check answers nobody: its report is the check run and the issues.
  const reply = spec.trigger === "comment" ? ctx.reply : async () => undefined;
  if (spec.trigger === "comment") {
    if (spec.commentId) void vcs.react(repo, spec.commentId, "eyes").catch(() => undefined);
    const who = await mayRunDrift(deps, vcs, repo, actorOf(spec));
    if (!who.ok) return reply(`Not run: ${who.reason}.`);
  }
  const read = await readDefaultHead(ctx, reply);
  if (!read) return;
  const { head, config, all } = read;

  let projects: Project[];
  if (spec.trigger === "schedule") {
    const due = new Set(spec.projects ?? []);
    projects = all.filter((p) => due.has(p.name));
  } else {
    const selection = selectProjects(all, all, spec.filter ?? {}, {
      strictWorkspaces: config.projects.length > 0 && !config.autodiscover.enabled,
    });
    if ("error" in selection) return reply(selection.error);
    projects = selection.projects;
  }

  const check = await openDriftCheck(ctx, head.sha, projects.length);
  const drift: DriftContext = {
    job,
    deps,
    vcs,
    secrets,
    checkout: read.checkout,
    settings: read.settings,
    tree: read.tree,
    all: read.all,
    branch: head.name,
    pauses: await deps.store.driftPauses(name),
    live: await deps.store.liveApplies(name),
    stillAsked: commandStillAsked(vcs, job),
  };
  // A fault in one project (git, the store) is that project's error, not the end of the run.
  const checkOne = (project: Project, log: ProjectRun["log"]) =>
    checkDriftProject(drift, project, log).catch((e: unknown): ProjectDrift => {
      const message = errorMessage(e);
      deps.log.error({ jobId: job.id, project: project.name, err: message }, "drift check of a project failed");
      return { project, status: "error", step: "drift check", message, output: "" };
    });
  // The same orchestration as PR plans: the project's run lock (never beside an apply of it), then a slot, then its log.
  const checked = await runProjects<ProjectDrift>({
    deps,
    job,
    repo: name,
    order: { ok: true, waves: [projects], dependsOn: () => [] },
    parallel: true,
    verb: "plan",
    step: (project, run) => checkOne(project, run.log),
    succeeded: (r) => r.status !== "error",
  });
  const run: DriftRun = {
    repo: name,
    branch: head.name,
    sha: head.sha,
    results: inOrder(projects, checked).filter((r): r is ProjectDrift => r !== undefined),
    at: new Date().toISOString(),
  };
  const rendered = await reportDriftRun(ctx, { run, check, settings: read.settings, drift });
  await reply(`**Drift check** of ${inlineCode(head.name)} at ${head.sha.slice(0, 7)}: ${rendered.title}.\n\n${rendered.summary}`);
}

/** The run's `sluice/drift` check, in progress on the head; one a stopped run began is closed first. */
async function openDriftCheck(ctx: JobContext<SpecOf<"drift-check">>, sha: string, count: number): Promise<number> {
  const { job, deps, vcs } = ctx;
  const { repo } = job.target;
  // Re-queued after a restart: the check the stopped run began is closed, not left in progress for ever.
  if (job.checkRunId !== undefined) {
    await vcs
      .updateCheck(repo, job.checkRunId, {
        status: "completed",
        conclusion: "cancelled",
        title: "Interrupted: Sluice stopped during this drift check",
        summary:
          "Sluice stopped while this check was planning (nothing was applied). The check ran again: see the newer `sluice/drift` run.",
      })
      .catch((e: unknown) => deps.log.warn({ jobId: job.id, err: errorMessage(e) }, "could not close the interrupted drift check"));
  }
  const check = await vcs.createCheck(
    repo,
    DRIFT_CHECK,
    sha,
    {
      status: "in_progress",
      title: `Checking ${count} ${count === 1 ? "project" : "projects"} for drift`,
      summary: "Planning the default branch head…",
    },
    `drift-${job.id}`,
  );
  // Kept with the job: a restart after a reconcile was cut short completes this check, not a new one.
  await deps.store.updateJob(job.id, { checkRunId: check });
  return check;
}

/** The run reported: its drift issues, each project's last outcome, the check's conclusion. */
async function reportDriftRun(
  ctx: JobContext<SpecOf<"drift-check">>,
  report: { run: DriftRun; check: number; settings: DefaultHead["settings"]; drift: DriftContext },
): Promise<ReturnType<typeof renderDriftCheck>> {
  const { job, deps, vcs, secrets } = ctx;
  const { repo } = job.target;
  const { run, check, drift } = report;
  const name = run.repo;
  let urls: Map<string, IssueInfo>;
  try {
    urls = await syncDriftIssues({
      deps,
      vcs,
      job,
      repo,
      run,
      redact: secrets.redact,
      onDriftOf: (project) => report.settings.driftFor(project).onDrift,
      pausedOf: (project) => pauseOf(drift.pauses, drift.live, project),
    });
  } catch (e) {
    // The check must not stay "in progress" forever: say the report failed, then let the worker log it.
    const message = secrets.redact(errorMessage(e));
    await vcs
      .updateCheck(repo, check, {
        status: "completed",
        conclusion: "failure",
        title: "Drift check: the report failed",
        summary: `The drift issues could not be updated: ${escapeText(message, 500)}`,
      })
      .catch(() => undefined);
    throw e;
  }
  // The last outcome of each project, for the console and `/metrics` (after the issues: it names them).
  for (const r of run.results) await deps.store.recordDriftCheck(driftCheckOf(name, r, run.at, urls.get(r.project.name), secrets.redact));
  const rendered = renderDriftCheck(run, secrets.redact, (p) => urls.get(p)?.htmlUrl);
  await vcs.updateCheck(repo, check, {
    status: "completed",
    conclusion: rendered.conclusion,
    title: rendered.title,
    summary: rendered.summary,
  });
  deps.log.info(
    { jobId: job.id, repo: name, sha: run.sha, drifted: run.results.filter((r) => r.status === "drifted").map((r) => r.project.name) },
    `drift check: ${rendered.title}`,
  );
  return rendered;
}
