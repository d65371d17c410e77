import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleContext, Viewer } from "./console-context.js";
import { renderPage } from "./console-templates.js";
import { redirect, sendHtml } from "./http-replies.js";
import { canWrite } from "./overview-rows.js";

// What the console changes: an unlock (through the same job `/unlock` runs) and the global pause
// of applies (a store flag the apply job checks). Both are recorded in the audit trail.

/** The lock named by the request, if the user may release it and it is still held by that PR. */
async function lockToRelease(ctx: ConsoleContext, res: ServerResponse, v: Viewer, p: URLSearchParams) {
  const { store, message, readable } = ctx;
  const repo = p.get("repo") ?? "";
  const pr = Number(p.get("pr"));
  if (!readable(v, repo))
    return void message(res, 404, v, "No such lock", "There is no such lock you can see.", { href: "/locks", text: "Locks" });
  if (!canWrite(v.access.get(repo.toLowerCase()))) {
    return void message(res, 403, v, "Not allowed", `Unlocking needs write access to ${repo}.`, { href: "/locks", text: "Locks" });
  }
  // Named projects on one dir + workspace hold locks of their own: the project picks one (older links name none).
  const project = p.get("project");
  const lock = (await store.allLocks()).find(
    (l) =>
      l.repo === repo && l.dir === p.get("dir") && l.workspace === p.get("workspace") && l.pr === pr && (!project || l.project === project),
  );
  if (!lock)
    return void message(res, 409, v, "Lock already released", "That lock is no longer held by that pull request.", {
      href: "/locks",
      text: "Locks",
    });
  return lock;
}

export async function unlockConfirm(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer) {
  const { deps, layout, pauseState } = ctx;
  const lock = await lockToRelease(ctx, res, v, url.searchParams);
  if (!lock) return;
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
  const { deps, store, message, postForm } = ctx;
  const form = await postForm(req, res, v);
  if (!form) return;
  const lock = await lockToRelease(ctx, res, v, form);
  if (!lock) return;
  const target = await store.lastJobTarget(lock.repo, lock.pr);
  if (!target)
    return message(
      res,
      409,
      v,
      "Cannot unlock here",
      `Sluice has no job of #${lock.pr} to act for; comment \`/unlock\` on the pull request instead.`,
    );
  // The same job `/unlock -p PROJECT -d DIR -w WS` runs: it releases, discards the plan, re-plans the waiters.
  const jobId = await store.enqueueInternal(target, {
    kind: "unlock",
    command: { kind: "unlock", filter: { project: lock.project, dir: lock.dir, workspace: lock.workspace } },
    commandLine: `unlock ${lock.project} (from the Sluice console)`,
    actor: v.login,
  });
  await store.recordAudit({
    actor: v.login,
    action: "unlock",
    repo: lock.repo,
    project: lock.project,
    pr: lock.pr,
    detail: `released from the console (dir ${lock.dir}, workspace ${lock.workspace}; job ${jobId})${lock.waiting.length ? `; re-planning ${lock.waiting.map((w) => `#${w}`).join(", ")}` : ""}`,
  });
  deps.log.info({ user: v.login, repo: lock.repo, project: lock.project, pr: lock.pr, jobId }, "unlock from the console queued");
  deps.wake();
  redirect(res, "/locks?done=unlock", 303);
}

export async function pause(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, v: Viewer) {
  const { deps, store, message, postForm } = ctx;
  const form = await postForm(req, res, v);
  if (!form) return;
  if (!v.admin)
    return message(res, 403, v, "Not allowed", "Only the server's admins (server config `admins`) may pause or resume applies.");
  const action = form.get("action");
  if (action === "pause") {
    const reason = (form.get("reason") ?? "").trim().slice(0, 200);
    if (!reason)
      return message(res, 400, v, "A reason is needed", "Say why applies are paused: it is shown on every pull request they block.", {
        href: "/",
        text: "Back",
      });
    await store.setAppliesPaused({ by: v.login, reason });
    await store.recordAudit({ actor: v.login, action: "pause", detail: reason });
  } else if (action === "resume") {
    await store.setAppliesPaused(undefined);
    await store.recordAudit({ actor: v.login, action: "resume", detail: "applies resumed" });
  } else {
    return message(res, 400, v, "Unknown action", "Expected pause or resume.");
  }
  deps.log.warn({ user: v.login, action }, `applies ${action === "pause" ? "paused" : "resumed"} from the console`);
  redirect(res, `/?done=${action}`, 303);
}
