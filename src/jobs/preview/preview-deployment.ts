import { errorMessage } from "../../util/errors.js";
import { previewEnvironment } from "../../preview/render-preview.js";
import type { PreviewContext } from "./preview-context.js";

export type DeploymentState = "in_progress" | "success" | "failure";

/**
 * The GitHub Deployment of one preview sync, at the PR's head, in the preview's own transient
 * environment. GitHub refusing it, or one of its statuses, never fails the preview: the
 * deployment only shows it (a status GitHub refused is logged; with no deployment, none is set).
 */
export async function openPreviewDeployment(ctx: PreviewContext, projectName: string) {
  const { deps, vcs, pr, job } = ctx;
  const id = await vcs
    .createDeployment(job.target.repo, {
      sha: ctx.checkout.headSha,
      environment: previewEnvironment(projectName, pr.number),
      description: `sluice preview of #${pr.number}`,
      transient: true,
    })
    .catch(() => undefined);
  const status = (state: DeploymentState, text: string, url?: string) =>
    id === undefined
      ? Promise.resolve()
      : vcs
          .setDeploymentStatus(job.target.repo, id, state, text, url ? { environmentUrl: url } : undefined)
          .catch((e: unknown) => deps.log.warn({ jobId: job.id, err: errorMessage(e) }, "could not set the preview's deployment status"));
  return { id, status };
}
