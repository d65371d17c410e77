import type { IncomingMessage, ServerResponse } from "node:http";
import { driftPauseAction, type LockRef, lockToRelease, type Outcome, pauseAction, unlockAction } from "./console-actions.js";
import type { ConsoleContext, Viewer } from "./console-context.js";
import { renderPage } from "./console-templates.js";
import { redirect, sendHtml } from "./http-replies.js";

// What the console changes from its forms: an unlock (through the same job `/unlock` runs) and the
// global pause of applies. The rules, jobs and audit events are console-actions.ts's, shared with the API.

const lockRef = (p: URLSearchParams): LockRef => ({
  repo: p.get("repo") ?? "",
  pr: Number(p.get("pr")),
  project: p.get("project"),
  dir: p.get("dir"),
  workspace: p.get("workspace"),
});

/** A refusal as a page; true when the outcome was one. */
export function refused<T>(
  ctx: ConsoleContext,
  res: ServerResponse,
  v: Viewer,
  o: Outcome<T>,
  back?: { href: string; text: string },
): o is Exclude<Outcome<T>, { ok: true }> {
  if (o.ok) return false;
  ctx.message(res, o.status, v, o.heading, o.text, back);
  return true;
}

export async function unlockConfirm(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer) {
  const { deps, layout, pauseState } = ctx;
  const found = await lockToRelease(deps, v, lockRef(url.searchParams));
  if (refused(ctx, res, v, found, { href: "/locks", text: "Locks" })) return;
  const lock = found.value;
  sendHtml(
    res,
    200,
    renderPage("unlock", layout(v, `Unlock ${lock.project}`, { nav: "locks", pause: await pauseState() }), {
      lock,
      web: deps.githubWebUrl,
    }),
  );
}

export async function unlock(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, v: Viewer) {
  const form = await ctx.postForm(req, res, v);
  if (!form) return;
  const done = await unlockAction(ctx.deps, v, lockRef(form));
  if (refused(ctx, res, v, done, { href: "/locks", text: "Locks" })) return;
  redirect(res, "/locks?done=unlock", 303);
}

export async function pause(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, v: Viewer) {
  const form = await ctx.postForm(req, res, v);
  if (!form) return;
  // A resume names the pause its page showed: a pause set since that page was drawn is not lifted.
  const pausedAt = form.get("paused_at");
  if (form.get("action") === "resume" && !pausedAt) {
    ctx.message(res, 400, v, "Not resumed", "The page did not say which pause it showed: reload it and resume again.", {
      href: "/",
      text: "Back",
    });
    return;
  }
  const done = await pauseAction(ctx.deps, v, form.get("action"), { reason: form.get("reason"), ...(pausedAt ? { pausedAt } : {}) });
  if (refused(ctx, res, v, done, done.ok || done.status !== 400 ? undefined : { href: "/", text: "Back" })) return;
  redirect(res, `/?done=${done.value.action}`, 303);
}

/** The overview's drift pause and resume of one project: `/drift pause`'s effect, `/drift resume`'s job. */
export async function driftPause(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, v: Viewer) {
  const form = await ctx.postForm(req, res, v);
  if (!form) return;
  const action = form.get("action") === "resume" ? "resume" : "pause";
  const done = await driftPauseAction(ctx.deps, v, {
    repo: form.get("repo") ?? "",
    project: form.get("project") ?? "",
    action,
    reason: form.get("reason") ?? "",
    pausedShownAt: form.get("paused_at") ?? undefined,
  });
  if (refused(ctx, res, v, done, { href: "/", text: "Overview" })) return;
  // A resume is the job's to decide: its page shows the answer as it comes.
  redirect(res, done.value.action === "resume" ? `/jobs/${done.value.jobId}` : "/?done=drift-pause", 303);
}
