import { networkFor } from "../../runners/sandbox/network-policy.js";
import type { ExecOptions } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import type { Job } from "../model/job.js";
import type { Project } from "../model/project.js";
import { repoFullName } from "../model/repo.js";
import type { JobDeps } from "./job-deps.js";

/**
 * The exec one project's run gets: the sandbox sees this run's checkout and data dir (writable),
 * the given read-only paths (base checkout, kubeconfig), and the network unless the server
 * config says `none` for the project. Each tool run waits for one of the replica's tool slots.
 * A refusal when the sandbox cannot start.
 */
export function sandboxedExec(
  deps: Pick<JobDeps, "sandbox" | "config" | "toolSlots">,
  job: Pick<Job, "target">,
  project: Pick<Project, "name">,
  paths: { writable: (string | undefined)[]; readable?: (string | undefined)[] },
): { ok: true; exec: Exec } | { ok: false; reason: string } {
  const present = (list: (string | undefined)[] = []) => list.filter((p): p is string => typeof p === "string" && p.length > 0);
  const made = deps.sandbox.execFor({
    writable: present(paths.writable),
    readable: present(paths.readable),
    network: networkFor(deps.config.network, repoFullName(job.target.repo), project.name),
  });
  if (!made.ok) return made;
  const { exec } = made;
  const slotted: Exec = Object.assign(
    (file: string, args: string[], opts: ExecOptions) => deps.toolSlots.add(() => exec(file, args, opts)),
    {
      isolated: exec.isolated,
    },
  );
  return { ok: true, exec: slotted };
}
