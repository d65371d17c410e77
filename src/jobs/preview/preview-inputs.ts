import { mkdir } from "node:fs/promises";
import type { Project } from "../../model/project.js";
import { gatherInputs, hasInputs } from "../../tool-runs/gather-inputs.js";
import { runInputs } from "../../tool-runs/plan-inputs.js";
import type { RunInputs } from "../../tool-runs/runner-request.js";
import { dataPaths } from "../../workspace/data-paths.js";
import type { PreviewContext } from "./preview-context.js";

export type PreviewInputs = { ok: true; inputs?: RunInputs } | { ok: false; error: string };

/**
 * A preview's `inputs_from` / `values_from`: a producer that has a preview in this pull request
 * gives its preview's outputs, any other its real state's (read only, as every plan reads it).
 * Producers are found in the trusted config by name, never in the PR's; `previews` maps a
 * producer's name to the project its preview runs as.
 */
export async function previewInputs(
  ctx: Pick<PreviewContext, "deps" | "job" | "settings" | "secrets" | "checkout" | "pr">,
  project: Project,
  trustedProjects: readonly Project[],
  previews: ReadonlyMap<string, Project>,
): Promise<PreviewInputs> {
  if (!hasInputs(project)) return { ok: true };
  const scratchDir = dataPaths.prPlans(ctx.deps.dataDir, ctx.job.target.repo, ctx.pr.number);
  await mkdir(scratchDir, { recursive: true });
  const resolved = await gatherInputs(
    {
      deps: ctx.deps,
      job: ctx.job,
      settings: ctx.settings,
      secrets: ctx.secrets,
      checkoutDir: ctx.checkout.dir,
      all: trustedProjects.map((q) => previews.get(q.name) ?? q),
      scratchDir,
      trustedProjects,
    },
    project,
  );
  if (!resolved.ok) return { ok: false, error: `its inputs from other projects: ${resolved.error}` };
  return { ok: true, inputs: runInputs(resolved) };
}
