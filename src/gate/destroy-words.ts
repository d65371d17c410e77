import type { PlanSummary } from "../model/plan-summary.js";

/** Why a plan is a destroy plan: its `-destroy`, or what it deletes of the project's state. */
export function destroyWhat(teardown: PlanSummary["teardown"]): string {
  if (!teardown) return "this is a destroy plan (`-destroy`): it would tear down everything the project manages";
  if (teardown.sincePeak)
    return `this plan and the project's earlier applies delete ${teardown.destroys} of the ${teardown.held} resources its state held at most since its last teardown (${teardown.applied} already deleted), a teardown as a \`-destroy\` plan is`;
  if (teardown.applied !== undefined)
    return `this plan and this pull request's earlier applies delete ${teardown.destroys} of the ${teardown.held} resources the project's state held before them (${teardown.applied} already deleted), a teardown as a \`-destroy\` plan is`;
  return `this plan deletes ${teardown.destroys} of the ${teardown.held} resources the project's state holds, a teardown as a \`-destroy\` plan is`;
}

/** What a refusal adds when the trusted config does not let the project be torn down. */
export const NOT_ALLOWED =
  "and the project does not set `allow_destroy: true` in the trusted config (server config, or the base branch's repo config)";
