import type { Job } from "../model/job.js";
import type { ProjectResult } from "../model/project-result.js";
import { type Project, projectId, projectKey } from "../model/project.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { PlanOrder } from "./plan-order.js";
import { type JobLogWriter, openJobLog } from "./store-job-log.js";

/** What one project's step gets: where its live output goes. */
export interface ProjectRun {
  /** The project's live log in the store (already redacted output only). */
  log: JobLogWriter;
}

export interface RunProjectsOptions<R = ProjectResult> {
  deps: Pick<JobDeps, "store" | "tools" | "config" | "log">;
  job: Job;
  repo: string;
  order: Extract<PlanOrder, { ok: true }>;
  /** false: one project at a time within a wave. */
  parallel: boolean;
  /** Used in the dependency-failure message and the log ("planning project", "applying project"). */
  verb: "plan" | "apply";
  step(project: Project, run: ProjectRun): Promise<R>;
  /** Whether a result lets the project's dependents run (default: a ProjectResult planned or applied). */
  succeeded?: (result: R) => boolean;
  /** The result of a project whose dependency failed (default: a ProjectResult error naming it). */
  blocked?: (project: Project, blocker: string) => R;
}

/**
 * The one orchestration of plans, applies and re-plans: waves in dependency order, a failed
 * project stops its dependents, and each project's step runs while this replica holds the
 * project's run lock (one plan or apply per repo + dir + workspace, across processes).
 *
 * The run lock is taken *before* a place in the project queue: a job that waits for a busy
 * project must not hold one of the few places other PRs' projects need. Tool runs take a tool
 * slot of their own (sandboxed-exec.ts).
 */
export async function runProjects<R = ProjectResult>(opts: RunProjectsOptions<R>): Promise<Map<string, R>> {
  const { deps, order } = opts;
  const succeeded = opts.succeeded ?? ((r: R) => ["planned", "applied"].includes((r as ProjectResult).status));
  const blocked = opts.blocked ?? ((p: Project, blocker: string) => dependencyFailed(p, blocker, opts.verb) as R);
  const results = new Map<string, R>();
  const failed = new Set<string>();
  // Failures of earlier waves only: a wave's own projects run whatever happens beside them.
  const failedBefore = new Set<string>();
  // Applies of one dir (its workspaces) take turns: they share the worktree's dir, where terraform
  // writes `errored.tfstate` when its backend refuses the state, and two at once would keep each
  // other's (or overwrite one). Plans keep their own data dir per workspace and run side by side.
  const dirTurns = new Map<string, Promise<unknown>>();
  const inTurn = (project: Project, run: () => Promise<void>): Promise<void> => {
    if (opts.verb !== "apply") return run();
    const mine = (dirTurns.get(project.dir) ?? Promise.resolve()).then(run);
    dirTurns.set(
      project.dir,
      mine.catch(() => undefined),
    );
    return mine;
  };
  for (const [i, wave] of order.waves.entries()) {
    for (const name of failed) failedBefore.add(name);
    const one = (project: Project) =>
      inTurn(project, () =>
        deps.store.runExclusive(projectKey(opts.repo, project), () =>
          deps.tools.projectQueue.add(async () => {
            const blocker = order.dependsOn(project).find((d) => failed.has(d));
            const aborted = order.abortOnFailure !== undefined && i > 0 && failedBefore.size > 0;
            const result = aborted
              ? (abortedRun(project, [...failedBefore][0] as string, opts.verb, order.abortOnFailure as string) as R)
              : blocker
                ? blocked(project, blocker)
                : await withLog(deps, opts.job, project, (log) => {
                    deps.log.info(
                      { jobId: opts.job.id, project: project.name, wave: i + 1 },
                      `${opts.verb === "plan" ? "planning" : "applying"} project`,
                    );
                    return opts.step(project, { log });
                  });
            if (!succeeded(result)) failed.add(project.name);
            results.set(projectId(project), result);
          }),
        ),
      );
    if (opts.parallel) await Promise.all(wave.map(one));
    else for (const project of wave) await one(project);
  }
  return results;
}

async function withLog<T>(
  deps: RunProjectsOptions<unknown>["deps"],
  job: Job,
  project: Project,
  fn: (log: JobLogWriter) => Promise<T>,
): Promise<T> {
  const log = openJobLog(deps, job, project.name);
  try {
    return await fn(log);
  } finally {
    log.end();
  }
}

function dependencyFailed(project: Project, blocker: string, verb: "plan" | "apply"): ProjectResult {
  const did = verb === "apply" ? "applied" : "planned";
  return {
    project,
    status: "error",
    failedStep: "depends_on",
    message: `not ${did}: it depends on \`${blocker}\`, whose ${verb} did not succeed`,
    output: "",
  };
}

function abortedRun(project: Project, failed: string, verb: "plan" | "apply", setting: string): ProjectResult {
  return {
    project,
    status: "error",
    failedStep: "execution_order_group",
    message: `not ${verb === "apply" ? "applied" : "planned"}: \`${failed}\` of an earlier execution_order_group failed, and ${setting} is set`,
    output: "",
  };
}

/** Results in the order of `projects`, keyed by identity (never by name alone). */
export function inOrder<R = ProjectResult>(projects: readonly Project[], results: ReadonlyMap<string, R>): R[] {
  return projects.map((p) => results.get(projectId(p))).filter((r): r is R => r !== undefined);
}
