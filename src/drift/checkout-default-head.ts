import type { JobContext } from "../job-context/job-context.js";
import type { Checkout } from "../workspace/workspace.js";

/**
 * The default branch's live head, checked out for the rest of the job: what git says should be
 * live (the token is registered for redaction).
 */
export async function checkoutDefaultHead(ctx: JobContext): Promise<{ head: { name: string; sha: string }; checkout: Checkout }> {
  const { job, vcs, secrets } = ctx;
  const repo = job.target.repo;
  const head = await vcs.defaultBranch(repo);
  const token = await vcs.cloneToken();
  secrets.add([token]);
  const checkout = await ctx.checkoutBranchHead({ repo, cloneUrl: job.target.cloneUrl, token, branch: head.name, sha: head.sha });
  return { head, checkout };
}
