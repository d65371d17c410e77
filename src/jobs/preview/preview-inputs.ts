import { mkdir } from "node:fs/promises";
import type { Project } from "../../model/project.js";
import { producersOf } from "../../model/project-inputs.js";
import { gatherInputs, hasInputs } from "../../tool-runs/gather-inputs.js";
import { runInputs } from "../../tool-runs/plan-inputs.js";
import type { RunInputs } from "../../tool-runs/runner-request.js";
import { dataPaths } from "../../workspace/data-paths.js";
import { type PreviewAs, type PreviewContext, previewSettings } from "./preview-context.js";

export type PreviewInputs = { ok: true; inputs?: RunInputs } | { ok: false; error: string };

/** Producers' previews for a preview's inputs, and which producers may only be read from one. */
export interface PreviewProducers {
  /** The previews this job may read, by project name (previewProjects). */
  previews: ReadonlyMap<string, PreviewAs>;
  /**
   * Producers configured for a preview in this pull request (or with one not yet destroyed):
   * read from their preview only, never from production's state in its place.
   */
  previewOnly?: ReadonlySet<string>;
}

/**
 * A preview's `inputs_from` / `values_from`: a producer that has a preview in this pull request
 * gives its preview's outputs, a producer that takes no part in previews its real state's (read
 * only, as every plan reads it). A producer that should have a preview but has none now gives
 * nothing: its production values in a preview would be the wrong system's. Producers are found in
 * the trusted config by name, never in the PR's.
 */
export async function previewInputs(
  ctx: Pick<PreviewContext, "deps" | "job" | "settings" | "secrets" | "checkout" | "pr">,
  project: Project,
  trustedProjects: readonly Project[],
  from: PreviewProducers,
): Promise<PreviewInputs> {
  if (!hasInputs(project)) return { ok: true };
  const missing = producersOf(project).find((n) => n !== project.name && from.previewOnly?.has(n) && !from.previews.has(n));
  if (missing) return { ok: false, error: `its producer ${missing} has no preview in this pull request` };
  const scratchDir = dataPaths.prPlans(ctx.deps.dataDir, ctx.job.target.repo, ctx.pr.number);
  await mkdir(scratchDir, { recursive: true });
  const resolved = await gatherInputs(
    {
      deps: ctx.deps,
      job: ctx.job,
      // Each producer's preview is read under its own trusted project's rules (binary, network).
      settings: previewSettings(ctx.settings, from.previews.values()),
      secrets: ctx.secrets,
      checkoutDir: ctx.checkout.dir,
      all: trustedProjects.map((q) => from.previews.get(q.name)?.project ?? q),
      scratchDir,
      trustedProjects,
    },
    project,
  );
  if (!resolved.ok) return { ok: false, error: `its inputs from other projects: ${resolved.error}` };
  return { ok: true, inputs: runInputs(resolved) };
}
