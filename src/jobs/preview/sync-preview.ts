import { errorMessage } from "../../util/errors.js";
import type { PreviewRecord, PreviewSettings } from "../../model/preview.js";
import { type Project, projectKey } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import type { Decision } from "../../policy/decision.js";
import { clusterMoved, clusterOf } from "../../preview/preview-cluster.js";
import { previewHolding, previewsByNamespace } from "../../preview/preview-workspace.js";
import { previewEnvironment } from "../../preview/render-preview.js";
import { planCounts } from "../../render/plan-counts.js";
import { previewsCounted } from "../../store/preview-store.js";
import { openJobLog } from "../../tool-runs/store-job-log.js";
import { applyPreview } from "./apply-preview.js";
import { planPreview } from "./plan-preview.js";
import { type PreviewProducers, previewInputs } from "./preview-inputs.js";
import { type PreviewContext, previewProject, previewUrl } from "./preview-context.js";

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
  actorAllowed: Decision,
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
  const { deps, vcs, pr, job } = ctx;
  const repo = repoFullName(job.target.repo);
  if (previewsByNamespace(project.runner) && !ctx.settings.kubeconfig) {
    // Said before anything runs: a preview that can never be applied is not planned either.
    return {
      notice: `No preview of ${project.name}: this server has no kubeconfig for previews of ${repo} (server setting \`kubeconfigs\`, key \`preview\`; a preview never runs with the \`apply\` one, production's), so there is no cluster to run it in.`,
    };
  }
  const earlier = await deps.store.getPreview({ repo, pr: pr.number, project: project.name });
  const active = earlier && earlier.status !== "destroyed";
  // A Kubernetes preview lives in one cluster: an update reaching another would start a second
  // copy there and leave the first one running.
  const cluster = previewsByNamespace(project.runner) ? await clusterOf(ctx.settings.kubeconfig?.apply) : undefined;
  const moved = active ? clusterMoved(earlier, cluster, "updated") : undefined;
  if (moved) return { notice: `${project.name}: ${moved}` };
  const all = await deps.store.previewsOf(repo);
  const holder = previewHolding(all, { pr: pr.number, project: project.name, dir: project.dir, workspace, runner: project.runner });
  if (holder) return { notice: `No preview of ${project.name}: ${heldBy(holder, pr.number, project.name)}.` };
  if (!active) {
    const counted = previewsCounted(all, pr.number);
    if (counted >= deps.config.max_previews) {
      return {
        notice: `No preview of ${project.name}: this repository has ${counted} live previews, the most this server allows (server setting \`max_previews\`: ${deps.config.max_previews}). Close a pull request, or \`/preview destroy\` on one, and push again.`,
      };
    }
  }
  const now = ctx.now();
  const record: PreviewRecord = {
    repo,
    pr: pr.number,
    project: project.name,
    dir: project.dir,
    workspace,
    runner: project.runner,
    varFiles: preview.varFiles,
    vars: preview.vars,
    status: "applying",
    headSha: ctx.checkout.headSha,
    target: { ...job.target, pr: pr.number, payloadHeadSha: undefined },
    createdAt: active ? earlier.createdAt : now,
    lastPushAt: now,
    ...(active && earlier.extendedUntil ? { extendedUntil: earlier.extendedUntil } : {}),
    ...(preview.ttlMs ? { ttlMs: preview.ttlMs } : {}),
    ...(preview.maxAgeMs ? { maxAgeMs: preview.maxAgeMs } : {}),
    ...(active && earlier.url ? { url: earlier.url } : {}),
    ...(active && earlier.deploymentId ? { deploymentId: earlier.deploymentId } : {}),
    // What the preview as it stands was applied with, until an apply of this sync runs.
    ...(active && earlier.appliedInputs ? { appliedInputs: earlier.appliedInputs } : {}),
    ...(cluster ? { cluster } : {}),
    destroyAttempts: 0,
    lastResult: `applying ${ctx.checkout.headSha.slice(0, 7)}`,
    updatedAt: now,
  };
  // Nothing of this sync was applied until its apply starts: the standing preview is still the
  // commit it was applied from, with the variables it was applied with, and its teardown must plan
  // that (a closed PR's broken last push, or a variable the base branch added that its commit does
  // not declare, would fail it for ever).
  const unapplied = active ? { headSha: earlier.headSha, varFiles: earlier.varFiles, vars: earlier.vars } : {};
  // Written before anything runs: a crash leaves a row the sweep finds, never an unknown preview,
  // and its row says what stands until the apply (a live one's commit; a first one's nothing).
  await deps.store.savePreview({ ...record, ...(active ? unapplied : { nothingApplied: true }) });
  const runAs = previewProject(record, project);
  const previewProjectKey = projectKey(repo, { dir: project.dir, workspace });
  return deps.store.runExclusive(previewProjectKey, async () => {
    const log = openJobLog(deps, job, `${project.name}-preview`);
    try {
      const save = async (patch: Partial<PreviewRecord>) => {
        Object.assign(record, patch, { updatedAt: ctx.now() });
        await deps.store.savePreview(record);
        return record;
      };
      // A first preview that never reached its apply leaves nothing standing, so nothing to tear
      // down (a destroy planned at its commit would fail as its plan did, and be retried for ever).
      const notApplied = active ? "failed" : "destroyed";
      const gathered = await previewInputs(ctx, project, from.trusted, from);
      if (!gathered.ok) {
        const message = ctx.secrets.redact(`not planned: ${gathered.error}`);
        return { record: await save({ status: notApplied, lastResult: message, ...unapplied }), notice: `${project.name}: ${message}` };
      }
      const plan = await planPreview(ctx, record, false, log, runAs, gathered.inputs, from.baseCheckoutDir);
      if (!plan.ok) {
        const message = ctx.secrets.redact(`plan failed at ${plan.failedStep}: ${plan.message}`);
        return { record: await save({ status: notApplied, lastResult: message, ...unapplied }), output: plan.output };
      }
      const lastPlan = planCounts(plan.summary);
      const deployment = await vcs
        .createDeployment(job.target.repo, {
          sha: ctx.checkout.headSha,
          environment: previewEnvironment(project.name, pr.number),
          description: `sluice preview of #${pr.number}`,
          transient: true,
        })
        .catch(() => undefined);
      const status = (state: "in_progress" | "success" | "failure", text: string, url?: string) =>
        deployment === undefined
          ? Promise.resolve()
          : vcs
              .setDeploymentStatus(job.target.repo, deployment, state, text, url ? { environmentUrl: url } : undefined)
              .catch((e: unknown) =>
                deps.log.warn({ jobId: job.id, err: errorMessage(e) }, "could not set the preview's deployment status"),
              );
      await status("in_progress", `applying the preview of #${pr.number}`);
      // From here the preview may change to this commit: its teardown plans this one, which planned.
      await save({});
      const applied = await applyPreview(ctx, record, plan, "preview-apply", actorAllowed, log, runAs, gathered.inputs);
      if (!applied.ok) {
        await status("failure", applied.refused ? "refused" : "apply failed");
        // Kept for the console's Previews page and the API, which every reader sees: redacted as the comment is.
        const what = ctx.secrets.redact(applied.refused ? `⛔ refused: ${applied.message}` : `apply failed: ${applied.message}`);
        // A refused first apply leaves nothing behind; a refused update leaves the earlier preview as it was.
        const next = applied.refused && active ? earlier.status : applied.refused ? "destroyed" : "failed";
        // An apply that ran (and failed) may have changed the preview with this sync's inputs.
        const ran = applied.refused ? unapplied : { appliedInputs: gathered.inputs };
        return {
          record: await save({ status: next, lastResult: what, lastPlan, ...ran }),
          output: plan.output,
          notice: `${project.name}: ${what}`,
        };
      }
      const url = preview.urlOutput
        ? previewUrl(applied.outputs[preview.urlOutput], ctx.secrets.redact)
        : previewUrl(preview.urlTemplate?.replace("{number}", String(pr.number)), ctx.secrets.redact);
      await status("success", `preview of #${pr.number} at ${ctx.checkout.headSha.slice(0, 7)}`, url);
      // GitHub leaves a transient environment's older deployments active: the one this replaced is ended here.
      if (active && earlier.deploymentId !== undefined && earlier.deploymentId !== deployment) {
        await vcs
          .setDeploymentStatus(job.target.repo, earlier.deploymentId, "inactive", `replaced by ${ctx.checkout.headSha.slice(0, 7)}`)
          .catch(() => undefined);
      }
      const urlNote = preview.urlOutput && !url ? `; output \`${preview.urlOutput}\` is not an http(s) URL free of secrets` : "";
      return {
        record: await save({
          status: "live",
          lastResult: `applied ${ctx.checkout.headSha.slice(0, 7)}${urlNote}`,
          lastPlan,
          appliedInputs: gathered.inputs,
          ...(url ? { url } : {}),
          ...(deployment !== undefined ? { deploymentId: deployment } : {}),
        }),
        output: plan.output,
      };
    } finally {
      log.end();
    }
  });
}

/** Why a preview is not made where another one stands, and what lets it be. */
function heldBy(holder: PreviewRecord, pr: number, project: string): string {
  const where = previewsByNamespace(holder.runner)
    ? `namespace \`${holder.workspace}\``
    : `workspace \`${holder.workspace}\` of \`${holder.dir}\``;
  const whose = holder.pr === pr ? `the preview of ${holder.project}` : `the preview of ${holder.project} in #${holder.pr}`;
  return `${where} is already ${whose}, and two previews there would share one state, which either one's teardown would destroy (give each project a \`preview\` template of its own, such as \`${project}-pr-{number}\`, or destroy that preview first)`;
}
