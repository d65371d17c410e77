/**
 * A plan's or an apply's final answer as it goes to GitHub: the comment bodies and the check run,
 * rendered and redacted. Kept in the store before it is posted (the outbox), so a replica that
 * dies between the work and the answer leaves it for another replica to post, once.
 */
export interface JobResult {
  command: "plan" | "apply";
  /** The commit the check run belongs to. */
  headSha: string;
  /** The comment's parts, in order; part i edits the job's comment i (or creates it). */
  comments: string[];
  check: {
    status: "completed";
    conclusion: "success" | "failure" | "neutral" | "cancelled" | "action_required";
    title: string;
    summary: string;
    actions?: { label: string; identifier: string; description: string }[];
  };
}
