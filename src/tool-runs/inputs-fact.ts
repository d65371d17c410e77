import { mkdir } from "node:fs/promises";
import type { GateFacts } from "../gate/gate-facts.js";
import { inputDigest } from "../inputs/input-digest.js";
import { parseOutputRefText } from "../inputs/parse-ref-text.js";
import { resolveInputs } from "../inputs/resolve-inputs.js";
import { staleInputs } from "../inputs/stale-inputs.js";
import type { PlanSummary } from "../model/plan-summary.js";
import type { Project } from "../model/project.js";
import { consumerVariables, type InputsContext, producerIdentityIn, readProducerOutputs, trustedMapping } from "./gather-inputs.js";
import type { RunInputs } from "./runner-request.js";

/**
 * The gate's `inputs` fact for a saved plan, read inside the run lock right before the apply:
 * the producers' outputs now, from their state, against the digests the plan recorded. Also the
 * inputs for what runs the project again (a Helm apply renders again; a re-plan at merge), the
 * same values when the fact shows none stale.
 */
export async function inputsFact(
  ctx: InputsContext,
  summary: Pick<PlanSummary, "inputs">,
  project: Project,
  /** Producers with a plan still waiting for its apply in the same pull request. */
  pending: ReadonlySet<string>,
): Promise<{ fact?: GateFacts["inputs"]; inputs?: RunInputs }> {
  const records = summary.inputs ?? [];
  if (records.length === 0) return {};
  const producers = [...new Set(records.flatMap((r) => parseOutputRefText(r.from)?.project ?? []))];
  await mkdir(ctx.scratchDir, { recursive: true });
  const current = await readProducerOutputs(ctx, producers);
  if (!current.ok) return { fact: { unreadable: current.error } };
  const digest = (v: unknown) => inputDigest(ctx.deps.planKey, v);
  const fact = { stale: staleInputs(records, current.outputs, pending, digest) };
  const resolved = resolveInputs(
    project,
    { planned: new Map(), current: current.outputs },
    digest,
    trustedMapping(ctx.trustedProjects, project, producerIdentityIn(ctx)),
    await consumerVariables(ctx, project),
  );
  if (!resolved.ok) return { fact: { unreadable: resolved.error } };
  ctx.secrets.add(resolved.sensitive);
  return { fact, inputs: { env: resolved.env, values: resolved.values } };
}
