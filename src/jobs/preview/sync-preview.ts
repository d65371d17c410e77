import type { PreviewRecord, PreviewSettings } from "../../model/preview.js";
import { type Project, projectKey } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import type { Decision } from "../../policy/decision.js";
import { clusterMoved, clusterOf } from "../../preview/preview-cluster.js";
import { previewHolding, previewsByNamespace } from "../../preview/preview-workspace.js";
import { previewsCounted } from "../../store/preview-store.js";
import { openJobLog } from "../../tool-runs/store-job-log.js";
import type { PreviewProducers } from "./preview-inputs.js";
import { type PreviewContext, previewProject } from "./preview-context.js";
import { runPreviewSync } from "./run-preview-sync.js";
import { syncPreviewRecord } from "./sync-preview-record.js";

export interface SyncOutcome {
  record?: PreviewRecord;
  /** Said on the PR: a refusal, the cap, a failure. */
  notice?: string;
  /** This run's plan output, for the comment. */
  output?: string;
}

/**
 * Brings one project's preview to the PR's head: plan its workspace, pass the gate, apply, and
 * show it as a GitHub Deployment with the URL (an output, or the `url` template). `workspace` (a
 * Helm or Kustomize preview's namespace) was checked against the repository's real ones by the
 * caller; `project` is the trusted project, and `ctx.settings` read as its preview's (previewSettings).
 */
export async function syncPreview(
  ctx: PreviewContext,
  project: Project,
  preview: PreviewSettings,
  workspace: string,
  /** Whether the people it acts for may, asked at the gate (applyPreview). */
  actorNow: () => Promise<Decision>,
  /**
   * Producers' previews by name, and those read only from a preview, for this project's
   * `inputs_from` / `values_from` (preview-inputs.ts);
   * the checkout of the commit its live preview was applied from (Helm, Kustomize).
   */
  from: { trusted: readonly Project[]; baseCheckoutDir?: string } & PreviewProducers = {
    trusted: [],
    previews: new Map(),
  },
): Promise<SyncOutcome> {
  const { deps, pr, job } = ctx;
  const repo = repoFullName(job.target.repo);
  const room = await previewRoom(ctx, project, workspace);
  if (!room.ok) return { notice: room.notice };
  const { live } = room;
  const at = { repo, pr: pr.number, headSha: ctx.checkout.headSha, target: job.target, now: ctx.now() };
  const record = syncPreviewRecord(at, project, preview, workspace, room);
  // Nothing of this sync was applied until its apply starts: the standing preview is still the
  // commit it was applied from, with the variables it was applied with, and its teardown must plan
  // that (a closed PR's broken last push, or a variable the base branch added that its commit does
  // not declare, would fail it for ever).
  const unapplied = live ? { headSha: live.headSha, varFiles: live.varFiles, vars: live.vars } : {};
  // Written before anything runs: a crash leaves a row the sweep finds, never an unknown preview,
  // and its row says what stands until the apply (a live one's commit; a first one's nothing).
  await deps.store.savePreview({ ...record, ...(live ? unapplied : { nothingApplied: true }) });
  const runAs = previewProject(record, project);
  const previewProjectKey = projectKey(repo, { dir: project.dir, workspace });
  return deps.store.runExclusive(previewProjectKey, async () => {
    const log = openJobLog(deps, job, `${project.name}-preview`);
    try {
      return await runPreviewSync(ctx, { project, preview, record, live, unapplied, actorNow, from, log, runAs });
    } finally {
      log.end();
    }
  });
}

/**
 * Whether this project's preview may be made or updated here, before anything is written or run:
 * a kubeconfig for previews, the same cluster as its live one, a workspace no other preview holds,
 * and room under `max_previews` for a new one. When it may: the live preview it updates (if any)
 * and the cluster it runs in (Helm, Kustomize).
 */
async function previewRoom(
  ctx: PreviewContext,
  project: Project,
  workspace: string,
): Promise<{ ok: false; notice: string } | { ok: true; live: PreviewRecord | undefined; cluster: string | undefined }> {
  const { deps, pr, job } = ctx;
  const repo = repoFullName(job.target.repo);
  if (previewsByNamespace(project.runner) && !ctx.settings.kubeconfig) {
    // Said before anything runs: a preview that can never be applied is not planned either.
    return {
      ok: false,
      notice: `No preview of ${project.name}: this server has no kubeconfig for previews of ${repo} (server setting \`kubeconfigs\`, key \`preview\`; a preview never runs with the \`apply\` one, production's), so there is no cluster to run it in.`,
    };
  }
  const earlier = await deps.store.getPreview({ repo, pr: pr.number, project: project.name });
  const live = earlier && earlier.status !== "destroyed" ? earlier : undefined;
  // A Kubernetes preview lives in one cluster: an update reaching another would start a second
  // copy there and leave the first one running.
  const cluster = previewsByNamespace(project.runner) ? await clusterOf(ctx.settings.kubeconfig?.apply) : undefined;
  const moved = live ? clusterMoved(live, cluster, "updated") : undefined;
  if (moved) return { ok: false, notice: `${project.name}: ${moved}` };
  const all = await deps.store.previewsOf(repo);
  const holder = previewHolding(all, { pr: pr.number, project: project.name, dir: project.dir, workspace, runner: project.runner });
  if (holder) return { ok: false, notice: `No preview of ${project.name}: ${heldBy(holder, pr.number, project.name)}.` };
  if (!live) {
    const counted = previewsCounted(all, pr.number);
    if (counted >= deps.config.max_previews) {
      return {
        ok: false,
        notice: `No preview of ${project.name}: this repository has ${counted} live previews, the most this server allows (server setting \`max_previews\`: ${deps.config.max_previews}). Close a pull request, or \`/preview destroy\` on one, and push again.`,
      };
    }
  }
  return { ok: true, live, cluster };
}

/** Why a preview is not made where another one stands, and what lets it be. */
function heldBy(holder: PreviewRecord, pr: number, project: string): string {
  const where = previewsByNamespace(holder.runner)
    ? `namespace \`${holder.workspace}\``
    : `workspace \`${holder.workspace}\` of \`${holder.dir}\``;
  const whose = holder.pr === pr ? `the preview of ${holder.project}` : `the preview of ${holder.project} in #${holder.pr}`;
  return `${where} is already ${whose}, and two previews there would share one state, which either one's teardown would destroy (give each project a \`preview\` template of its own, such as \`${project}-pr-{number}\`, or destroy that preview first)`;
}
