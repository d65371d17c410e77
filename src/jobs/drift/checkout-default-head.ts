import type { Job } from "../../model/job.js";
import type { VcsClient } from "../../vcs/vcs-client.js";
import type { Checkout } from "../../workspace/workspace.js";
import type { JobDeps } from "../job-deps.js";
import type { Secrets } from "../secrets.js";

/** The default branch's live head, checked out: what git says should be live (the token is registered for redaction). */
export async function checkoutDefaultHead(
  deps: Pick<JobDeps, "workspace">,
  vcs: VcsClient,
  job: Job,
  secrets: Secrets,
): Promise<{ head: { name: string; sha: string }; checkout: Checkout }> {
  const repo = job.target.repo;
  const head = await vcs.defaultBranch(repo);
  const token = await vcs.cloneToken();
  secrets.add([token]);
  const checkout = await deps.workspace.checkoutBranchHead({
    repo,
    cloneUrl: job.target.cloneUrl,
    token,
    branch: head.name,
    sha: head.sha,
  });
  return { head, checkout };
}
