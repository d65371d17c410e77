/**
 * What makes a signed body act once, whatever delivery carries it: GitHub signs the body, not the
 * delivery id, so a captured request replayed under a new id passes the signature check.
 *
 * A comment acts once by its id. A click of a check run's button has no id of its own, and two
 * clicks of one button send the same body; the body names the check run's `completed_at`, though,
 * and the job a click queues marks the run completed again at once (a new `completed_at`): a later
 * click sends a new body and acts, while the same body sent again is the same click.
 *
 * A pull request's close acts once by its `closed_at` (a PR closed, reopened and closed again has
 * a new one): sent again, a merge's close ran its cleanup again, which released the locks a failed
 * apply on merge had kept for a person (see keep-locks-after-failed-apply.ts).
 *
 * The keys are kept with the delivery ids, so each has a colon, which the endpoint refuses in an id.
 */
export function actOnceKeys(event: string, payload: unknown, fullName: string): string[] {
  const p = payload as {
    action?: string;
    repository?: { id?: number };
    comment?: { id?: number };
    check_run?: { id?: number; completed_at?: string | null };
    requested_action?: { identifier?: string };
    sender?: { id?: number; login?: string };
    pull_request?: { number?: number; closed_at?: string | null };
  };
  const repo = p.repository?.id ?? fullName;
  if (event === "issue_comment" && p.comment?.id) return [`comment:${repo}:${p.comment.id}`];
  if (event === "pull_request" && p.action === "closed" && p.pull_request?.number && typeof p.pull_request.closed_at === "string")
    return [`closed:${repo}:${p.pull_request.number}:${p.pull_request.closed_at}`];
  if (event === "check_run" && p.action === "requested_action" && p.check_run?.id) {
    const who = p.sender?.id ?? p.sender?.login ?? "";
    return [`click:${repo}:${p.check_run.id}:${p.check_run.completed_at ?? ""}:${who}:${p.requested_action?.identifier ?? ""}`];
  }
  return [];
}
