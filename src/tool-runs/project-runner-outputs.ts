import type { ProjectRunner, RunDoors } from "./project-runner.js";
import { toolRunBase } from "./runner-request.js";
import { failed, refused } from "./tool-run-requests.js";

/** The project runner's read of a producer's outputs: read-only, under the plan's workflow. */
export function projectRunnerOutputs({ ctx, redact, prepare, sandbox }: RunDoors): ProjectRunner["outputs"] {
  const { deps, settings } = ctx;
  return async (project, at) => {
    const ready = await prepare(project, at.checkoutDir);
    if (!("runner" in ready)) return ready;
    const { runner } = ready;
    if (!runner.outputs) return failed("outputs", `project ${project.name} is a ${project.runner} project: it has no outputs to take`);
    // The plan's init steps name the backend the producer's state is in.
    const workflow = settings.workflowFor(project);
    if (workflow.refusal) return refused("settings", workflow.refusal);
    // init may write the project's lock file into the checkout.
    const sandboxed = sandbox(project, [at.checkoutDir, at.dataDir], []);
    if (!sandboxed.ok) return refused("sandbox", sandboxed.reason);
    const read = await runner.outputs(
      {
        ...toolRunBase(deps, settings, project, workflow.workflow),
        checkoutDir: at.checkoutDir,
        dataDir: at.dataDir,
        redact,
        onOutput: at.onOutput,
      },
      sandboxed.exec,
    );
    if (!read.ok) return failed(read.failedStep, read.message);
    return { ok: true, value: read };
  };
}
