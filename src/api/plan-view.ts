import type { ProjectActivity } from "../store/console-store.js";
import type { StoredSummary } from "../store/store.js";

/**
 * A stored plan summary as the API shows it. The store keeps a digest of every change's values
 * (`changeHashes`, for the merge comparison) and of every input taken from another project:
 * digests of values Terraform marks sensitive too, and the first is an unkeyed SHA-256 over
 * Terraform's JSON, so a reader could test guesses of a secret against it offline. Listed field
 * by field, so that what the summary gains later is not published by default.
 */
export function apiSummary(s: StoredSummary) {
  return {
    add: s.add,
    change: s.change,
    destroy: s.destroy,
    replace: s.replace,
    move: s.move,
    import: s.import,
    forget: s.forget,
    hasChanges: s.hasChanges,
    resources: s.resources,
    moves: s.moves,
    outputs: s.outputs,
    ...(s.imports ? { imports: s.imports } : {}),
    ...(s.actions ? { actions: s.actions } : {}),
    ...(s.destroyPlan ? { destroyPlan: true } : {}),
    ...(s.warnings ? { warnings: s.warnings } : {}),
    ...(s.stateAt ? { stateAt: s.stateAt } : {}),
    ...(s.changedAttributes ? { changedAttributes: s.changedAttributes } : {}),
    ...(s.inputs ? { inputs: s.inputs.map(({ digest: _, ...used }) => used) } : {}),
    ...(s.terraformVersion ? { terraformVersion: s.terraformVersion } : {}),
  };
}

/** A project's activity as `GET /api/v1/plans` answers it: its last plan's summary through apiSummary. */
export function apiActivity(a: ProjectActivity) {
  if (!a.lastPlan?.summary) return a;
  return { ...a, lastPlan: { ...a.lastPlan, summary: apiSummary(a.lastPlan.summary) } };
}
