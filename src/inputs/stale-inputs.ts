import type { InputRecord, OutputValues } from "../model/project-inputs.js";
import { parseOutputRefText } from "./parse-ref-text.js";
import type { Digest } from "./resolve-inputs.js";

/** An input whose producer's output is no longer what the plan used. */
export interface StaleInput {
  /** `PROJECT.OUTPUT` */
  from: string;
  producer: string;
  /** The plan used the producer's planned value, and the producer's plan is still waiting for its apply. */
  notApplied: boolean;
}

/**
 * Pure: the inputs of a saved plan whose producer's output differs now (by digest) from what the
 * plan used. `current` holds each producer's outputs from state; `pending` names producers with
 * a plan not applied yet in the same pull request.
 */
export function staleInputs(
  records: readonly InputRecord[],
  current: ReadonlyMap<string, OutputValues>,
  pending: ReadonlySet<string>,
  digest: Digest,
): StaleInput[] {
  const stale: StaleInput[] = [];
  for (const r of records) {
    const ref = parseOutputRefText(r.from);
    if (!ref) continue;
    const now = current.get(ref.project)?.[ref.output];
    if (digest(now?.value) === r.digest) continue;
    if (stale.some((s) => s.from === r.from)) continue;
    stale.push({ from: r.from, producer: ref.project, notApplied: r.source === "planned" && pending.has(ref.project) });
  }
  return stale;
}

/** The gate's words for stale inputs (one refusal reason). */
export function describeStaleInputs(stale: readonly StaleInput[], project: string): string {
  const parts = stale.map((s) =>
    s.notApplied
      ? `inputs from ${s.from} are not applied yet (this plan used ${s.producer}'s planned value): apply ${s.producer} first, and Sluice plans ${project} again`
      : `inputs from ${s.from} changed since this plan (${s.producer} was applied)`,
  );
  return `${parts.join("; ")}; re-plan with /plan -p ${project}`;
}
