import { ALLOWED, type Decision, refuse } from "../policy/decision.js";
import type { TrustedCommit } from "../repo-reading/trusted-commit.js";

/**
 * Who asked, on the merge road: a merge stands for the decision to apply only where branch
 * protection decides who may merge, the default branch or a protected branch the server lists in
 * `trusted_branches` (the branches whose config is trusted). Into any other branch whoever may
 * push to it may merge, so a writer could apply past `permissions` and the requirements only
 * GitHub checks (`mergeable`) by merging into a branch they made.
 */
export function mergeDecides(baseRef: string, trusted: TrustedCommit): Decision {
  if (typeof trusted === "string") return ALLOWED;
  return refuse(
    `a merge into \`${baseRef}\` applies nothing: the branch is not the default branch nor a protected branch in the server's \`trusted_branches\`, so whoever may push to it may merge into it. Merge into a protected branch, or apply with \`/apply\` before merging`,
  );
}
