import { z } from "zod";
import type { OutputValues } from "../../src/model/project-inputs.js";
import { sensitiveOutputNames } from "./collect-sensitive-values.js";
import type { PlanJson } from "./plan-json-schema.js";

/**
 * Whether Terraform's `after_unknown` mark says any part of the value is known only after apply.
 * Walked without recursion: show's JSON is the sandbox's output, of any depth.
 */
function anyUnknown(mark: unknown): boolean {
  const pending = [mark];
  while (pending.length > 0) {
    const m = pending.pop();
    if (m === true) return true;
    if (m !== null && typeof m === "object") for (const v of Object.values(m)) pending.push(v);
  }
  return false;
}

/**
 * The root module's outputs as the plan leaves them: each one's value after the apply, or
 * `known: false` where Terraform knows it only then. Every output is in `output_changes`
 * (unchanged ones as no-op), so this is the producer's whole interface, not only what changes.
 * The values are in clear: for the job's use only, never logged or stored.
 */
export function plannedOutputs(plan: PlanJson): OutputValues {
  const sensitive = sensitiveOutputNames(plan);
  const out: OutputValues = {};
  for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
    if (change.actions.join(",") === "delete") continue;
    const unknown = anyUnknown((change as { after_unknown?: unknown }).after_unknown);
    out[name] = {
      value: unknown ? undefined : change.after,
      known: !unknown,
      sensitive: sensitive.has(name) || change.after_sensitive === true,
    };
  }
  return out;
}

const outputJsonSchema = z.record(z.string(), z.looseObject({ sensitive: z.boolean().optional(), value: z.unknown() }));

/**
 * `terraform output -json` (or tofu's): the outputs in the project's state, all known. Never
 * throws, never quotes the text (it holds the values in clear).
 */
export function parseOutputJson(text: string): { ok: true; outputs: OutputValues } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "`output -json` printed something that is not JSON" };
  }
  const parsed = outputJsonSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: "`output -json` printed JSON of an unexpected shape" };
  const out: OutputValues = {};
  for (const [name, o] of Object.entries(parsed.data)) out[name] = { value: o.value, sensitive: o.sensitive === true, known: true };
  return { ok: true, outputs: out };
}
