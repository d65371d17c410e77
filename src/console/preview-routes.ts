import type { IncomingMessage, ServerResponse } from "node:http";
import type { PreviewRecord } from "../model/preview.js";
import { previewExpiresAt } from "../preview/preview-expiry.js";
import { previewsByNamespace } from "../preview/preview-workspace.js";
import { formatDuration } from "../util/duration.js";
import type { ConsoleContext, Viewer } from "./console-context.js";
import { renderPage } from "./console-templates.js";
import { redirect, sendHtml } from "./http-replies.js";
import { canWrite } from "./overview-rows.js";
import { destroyPreviewAction } from "./console-actions.js";
import { refused } from "./action-routes.js";

// Previews not yet destroyed, and the operator's *Destroy*: the same preview job `/preview destroy` runs.

const roundMinutes = (ms: number) => formatDuration(Math.max(1, Math.round(ms / 60_000)) * 60_000);

/** One row per preview: its age, TTL, when it goes, owner PR and last result (pure). */
export function previewRows(previews: readonly PreviewRecord[], now: number) {
  return previews.map((p) => {
    const expires = previewExpiresAt(p);
    return {
      repo: p.repo,
      pr: p.pr,
      project: p.project,
      workspace: p.workspace,
      // A Helm or Kustomize preview's "workspace" is the namespace it lives in, and goes with.
      where: previewsByNamespace(p.runner) ? "namespace" : "workspace",
      status: p.status,
      url: p.url && /^https?:\/\//.test(p.url) ? p.url : undefined,
      age: roundMinutes(now - p.createdAt),
      ttl: p.ttlMs === undefined ? "none" : formatDuration(p.ttlMs),
      expires: expires === undefined ? "when the PR closes" : new Date(expires).toISOString(),
      lastResult: p.lastResult,
    };
  });
}

export async function previewsPage(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer, now = Date.now()) {
  const { deps, store, layout, readable, pauseState } = ctx;
  const visible = (await store.activePreviews()).filter((p) => readable(v, p.repo));
  const rows = previewRows(visible, now).map((r) => ({ ...r, canWrite: canWrite(v.access.get(r.repo.toLowerCase())) }));
  const flash = url.searchParams.get("done") === "destroy" ? "Destroy queued: the preview is torn down in a moment." : undefined;
  sendHtml(
    res,
    200,
    renderPage("previews", layout(v, "Previews", { nav: "previews", pause: await pauseState(), flash }), { rows, web: deps.githubWebUrl }),
  );
}

export async function destroyPreview(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, v: Viewer) {
  const form = await ctx.postForm(req, res, v);
  if (!form) return;
  const key = { repo: form.get("repo") ?? "", pr: Number(form.get("pr")), project: form.get("project") ?? "" };
  const done = await destroyPreviewAction(ctx.deps, v, key);
  if (refused(ctx, res, v, done, { href: "/previews", text: "Previews" })) return;
  redirect(res, "/previews?done=destroy", 303);
}
