import type { ExecOptions } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import type { Job } from "../model/job.js";
import type { RepoSettings } from "../config/repo-settings.js";
import type { Project } from "../model/project.js";
import type { JobDeps } from "../job-context/job-deps.js";

/**
 * The exec one project's run gets: the sandbox sees this run's checkout and data dir (writable),
 * the given read-only paths (base checkout, kubeconfig), and the network unless the server
 * config says `none` for the project, found by its trusted identity (`settings.networkFor`:
 * the base branch's project on the same dir and workspace, never only the name the PR's config
 * gives it). Each tool run waits for one of the replica's tool slots.
 * A refusal when the sandbox cannot start.
 */
export function sandboxedExec(
  deps: Pick<JobDeps, "tools">,
  _job: Pick<Job, "target">,
  project: Pick<Project, "name" | "dir" | "workspace">,
  paths: { writable: (string | undefined)[]; readable?: (string | undefined)[]; settings: Pick<RepoSettings, "networkFor"> },
): { ok: true; exec: Exec } | { ok: false; reason: string } {
  const present = (list: (string | undefined)[] = []) => list.filter((p): p is string => typeof p === "string" && p.length > 0);
  const made = deps.tools.sandbox.execFor({
    writable: present(paths.writable),
    readable: present(paths.readable),
    network: paths.settings.networkFor(project),
  });
  if (!made.ok) return made;
  const { exec } = made;
  const slotted: Exec = Object.assign(
    (file: string, args: string[], opts: ExecOptions) => deps.tools.toolSlots.add(() => exec(file, args, opts)),
    {
      isolated: exec.isolated,
    },
  );
  return { ok: true, exec: slotted };
}
