import type { RepoSettings } from "../config/repo-settings.js";
import type { ProjectResult } from "../model/project-result.js";
import type { CheckAction } from "../vcs/vcs-client.js";
import type { Progress } from "./publish-comments.js";

/** The identifier GitHub sends back in `check_run.requested_action` when the button is clicked. */
export const APPLY_ACTION_ID = "apply";

export const APPLY_ACTION: CheckAction = {
  label: "Apply",
  identifier: APPLY_ACTION_ID,
  description: "Same as commenting /apply",
};

/**
 * Whether a finished plan may offer the button at all: the repo applies on comment, the server's
 * `allow_commands` has `apply` (the button is `/apply`), and no project has a destroy plan its
 * trusted config does not allow (a button that can only be refused is not offered; `/apply`
 * still answers why).
 */
export function offersApply(
  settings: Pick<RepoSettings, "applyOn" | "allowDestroyFor">,
  results: readonly ProjectResult[],
  allowCommands?: readonly string[],
): boolean {
  if (settings.applyOn !== "comment") return false;
  if (allowCommands && !allowCommands.includes("apply")) return false;
  return !results.some((r) => r.status === "planned" && r.summary.destroyPlan === true && !settings.allowDestroyFor(r.project));
}

/**
 * The buttons a finished `sluice/plan` check offers: "Apply" only when every project planned, at
 * least one would change something, and the repo applies on comment (with apply on merge, the
 * merge is the apply). Everything else gets `[]`, which also removes a button an earlier version
 * of the run showed. Clicking it is `/apply` by the clicker: every gate still runs.
 */
export function applyActions(p: Pick<Progress, "results" | "applyButton" | "failed">, conclusion: string): CheckAction[] {
  if (!p.applyButton || p.failed || conclusion !== "success") return [];
  const changes = p.results.some((r) => r.status === "planned" && r.summary.hasChanges);
  return changes ? [APPLY_ACTION] : [];
}
