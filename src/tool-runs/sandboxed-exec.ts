import type { ExecOptions } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import type { Job } from "../model/job.js";
import type { RepoSettings } from "../config/repo-settings.js";
import { type Project, projectKey } from "../model/project.js";
import { repoFullName } from "../model/repo.js";
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
  job: Pick<Job, "target">,
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
  const projectPart = projectKey(repoFullName(job.target.repo), project);
  // A tool slot first (`parallel`), then room in the memory budget for what this project's runs
  // were last seen to peak at; the waiting is said in the run's live log.
  const admitted = async (file: string, args: string[], opts: ExecOptions) => {
    // Learned per project and step (`terraform plan` holds more than `terraform init`).
    const key = { project: projectPart, step: `${file.slice(file.lastIndexOf("/") + 1)} ${args[0] ?? ""}` };
    const release = await deps.tools.memory.admit(key, (why) => opts.onOutput?.(`${why}\n`));
    let peak: number | undefined;
    try {
      const result = await exec(file, args, opts);
      peak = result.peakMemoryBytes;
      return result;
    } finally {
      release(peak);
    }
  };
  const slotted: Exec = Object.assign(
    (file: string, args: string[], opts: ExecOptions) => deps.tools.toolSlots.add(() => admitted(file, args, opts)),
    {
      isolated: exec.isolated,
    },
  );
  return { ok: true, exec: slotted };
}
