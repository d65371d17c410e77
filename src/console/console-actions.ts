import { repoAllowed } from "../config/server-config-for.js";
import { actorIdField } from "../model/job.js";
import type { ServerConfig } from "../config/server-config.js";
import type { LockView, PauseState } from "../store/console-store.js";
import { isRowId } from "../model/row-id.js";
import type { Store } from "../store/store.js";
import { canWrite } from "./overview-rows.js";
import { type Principal, readable } from "./principal.js";

// What the console and the API change, written once: both check the same rules, queue the same
// jobs (`/unlock`'s, `/preview destroy`'s) or set the same store flags, and write the same audit
// events, naming who acted and how they got in.

/** A refusal as a value: the console renders it as a page, the API as JSON with the same message. */
export interface Refusal {
  ok: false;
  status: number;
  heading: string;
  text: string;
}
export type Outcome<T> = { ok: true; value: T } | Refusal;

const refuse = (status: number, heading: string, text: string): Refusal => ({ ok: false, status, heading, text });

export interface ActionDeps {
  store: Store;
  /** The `repos:` allowlist is read from it: a repository it leaves out gets no job run. */
  config: Pick<ServerConfig, "repoRules">;
  wake(): void;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** runJob runs no job of a repository the allowlist leaves out: queueing one would answer "queued" for nothing. */
const delisted = (deps: ActionDeps, repo: string): Refusal | undefined =>
  repoAllowed(deps.config, repo)
    ? undefined
    : refuse(409, "Not acted on", `Sluice no longer acts on ${repo} (the server config's \`repos:\` leaves it out), so no job runs there.`);

export interface LockRef {
  repo: string;
  pr: number;
  project?: string | null;
  dir: string | null;
  workspace: string | null;
}

/** The lock named, if the principal may release it and that PR still holds it. */
export async function lockToRelease(deps: ActionDeps, p: Principal, ref: LockRef): Promise<Outcome<LockView>> {
  if (!readable(p, ref.repo)) return refuse(404, "No such lock", "There is no such lock you can see.");
  if (!canWrite(p.access.get(ref.repo.toLowerCase()))) return refuse(403, "Not allowed", `Unlocking needs write access to ${ref.repo}.`);
  // Named projects on one dir + workspace hold locks of their own: the project picks one (older links name none).
  const lock = (await deps.store.allLocks()).find(
    (l) =>
      l.repo === ref.repo &&
      l.dir === ref.dir &&
      l.workspace === ref.workspace &&
      l.pr === ref.pr &&
      (!ref.project || l.project === ref.project),
  );
  if (!lock) return refuse(409, "Lock already released", "That lock is no longer held by that pull request.");
  return { ok: true, value: lock };
}

/** Releases a lock through the same job `/unlock -p PROJECT -d DIR -w WS` runs (which audits what it released). */
export async function unlockAction(deps: ActionDeps, p: Principal, ref: LockRef): Promise<Outcome<{ jobId: number }>> {
  const found = await lockToRelease(deps, p, ref);
  if (!found.ok) return found;
  const lock = found.value;
  const left = delisted(deps, lock.repo);
  if (left) return left;
  const target = await deps.store.lastJobTarget(lock.repo, lock.pr);
  if (!target)
    return refuse(
      409,
      "Cannot unlock here",
      `Sluice has no job of #${lock.pr} to act for; comment \`/unlock\` on the pull request instead.`,
    );
  const jobId = await deps.store.enqueueInternal(target, {
    kind: "unlock",
    command: { kind: "unlock", filter: { project: lock.project, dir: lock.dir, workspace: lock.workspace } },
    commandLine: `unlock ${lock.project} (from ${p.via})`,
    actor: p.actor,
    ...actorIdField(p.actorId),
    via: p.via,
    ...(p.granted ? { grant: p.access.get(lock.repo.toLowerCase()) } : {}),
  });
  // Not audited here: the job decides (its permissions rule may refuse) and records what it released.
  deps.log.info({ user: p.actor, via: p.via, repo: lock.repo, project: lock.project, pr: lock.pr, jobId }, "unlock queued");
  deps.wake();
  return { ok: true, value: { jobId } };
}

/**
 * Pauses or resumes every apply of the server (a store flag the apply job checks). A resume that
 * names the pause it was asked against (`pausedAt`: its `at`, as the console's banner or the API's
 * read showed it) lifts that pause only: one set since (by another admin, a `/applies pause`)
 * stays, and the answer says whose it is.
 */
export async function pauseAction(
  deps: ActionDeps,
  p: Principal,
  action: string | null,
  asked: { reason?: string | null; pausedAt?: string } = {},
): Promise<Outcome<{ action: "pause" | "resume" }>> {
  if (!p.mayPause)
    return refuse(
      403,
      "Not allowed",
      "Only the server's admins (server config `admins`) and operators of every repository may pause or resume applies.",
    );
  if (action === "pause") {
    const reason = (asked.reason ?? "").trim();
    if (!reason) return refuse(400, "A reason is needed", "Say why applies are paused: it is shown on every pull request they block.");
    if (reason.length > 200)
      return refuse(400, "The reason is too long", `Say why in at most 200 characters (this one has ${reason.length}).`);
    await deps.store.setAppliesPaused({ by: p.actor, reason });
    await deps.store.recordAudit({ actor: p.actor, action: "pause", detail: `${reason} (from ${p.via})` });
  } else if (action === "resume") {
    const resumed = await resumeShownPause(deps, asked.pausedAt);
    if (typeof resumed === "string") return refuse(400, "Not resumed", resumed);
    const { lifted, still } = resumed;
    if (still) {
      // Lifted, and another pause came right after: the lift is audited all the same.
      if (lifted)
        await deps.store.recordAudit({ actor: p.actor, action: "resume", detail: `applies resumed (from ${p.via}); paused again at once` });
      return refuse(
        409,
        "Paused again since",
        `Applies were paused again by ${still.by} at ${still.at} (${still.reason}) after the pause you resumed: that pause stays. Resume it if that is meant.`,
      );
    }
    await deps.store.recordAudit({ actor: p.actor, action: "resume", detail: `applies resumed (from ${p.via})` });
  } else {
    return refuse(400, "Unknown action", "Expected pause or resume.");
  }
  deps.log.warn({ user: p.actor, via: p.via, action }, `applies ${action === "pause" ? "paused" : "resumed"}`);
  return { ok: true, value: { action } };
}

/**
 * Lifts the pause shown at `pausedAt` (any, without one): what it lifted and the pause on after,
 * or why `pausedAt` is not a pause's time.
 */
async function resumeShownPause(
  deps: ActionDeps,
  pausedAt: string | undefined,
): Promise<{ lifted?: PauseState; still?: PauseState } | string> {
  if (pausedAt === undefined) {
    await deps.store.setAppliesPaused(undefined);
    return {};
  }
  // The pause's own stamp, as Sluice wrote it: an ISO time of one format, compared as text.
  if (!ISO_STAMP.test(pausedAt) || Number.isNaN(Date.parse(pausedAt)))
    return `\`${pausedAt.slice(0, 40)}\` is not the time of a pause (an ISO time such as 2026-11-27T19:30:00.000Z).`;
  return deps.store.resumeApplies(pausedAt, true);
}

const ISO_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Destroys a live preview through the same preview job `/preview destroy` runs. */
export async function destroyPreviewAction(
  deps: ActionDeps,
  p: Principal,
  key: { repo: string; pr: number; project: string },
): Promise<Outcome<{ jobId: number }>> {
  const preview = readable(p, key.repo) && isRowId(key.pr) ? await deps.store.getPreview(key) : undefined;
  if (!preview || preview.status === "destroyed") return refuse(404, "No such preview", "There is no such live preview you can see.");
  if (!canWrite(p.access.get(preview.repo.toLowerCase())))
    return refuse(403, "Not allowed", `Destroying a preview needs write access to ${preview.repo}.`);
  const left = delisted(deps, preview.repo);
  if (left) return left;
  const jobId = await deps.store.enqueueInternal(preview.target, {
    kind: "preview",
    action: "destroy",
    project: preview.project,
    reason: `destroyed from ${p.via} by @\u200b${p.actor}`,
    actor: p.actor,
    ...actorIdField(p.actorId),
    via: p.via,
    ...(p.granted ? { grant: p.access.get(preview.repo.toLowerCase()) } : {}),
  });
  await deps.store.recordAudit({
    actor: p.actor,
    action: "preview-destroy",
    repo: preview.repo,
    project: preview.project,
    pr: preview.pr,
    detail: `workspace ${preview.workspace}; queued from ${p.via} (job ${jobId})`,
  });
  deps.log.info(
    { user: p.actor, via: p.via, repo: preview.repo, pr: preview.pr, project: preview.project, jobId },
    "preview destroy queued",
  );
  deps.wake();
  return { ok: true, value: { jobId } };
}

/**
 * Pauses reconciliation of a project Sluice checks for drift (`/drift pause`'s effect): drift
 * checks still report it, nothing is applied to it by itself while paused. A resume goes through
 * the job `/drift resume` runs: resuming lets the next check apply the project by itself, so the
 * job asks the server's `permissions` rule for applying it, found by the project's trusted
 * identity on the default branch (which the console does not read); its answer is in the job's log.
 */
export async function driftPauseAction(
  deps: ActionDeps,
  p: Principal,
  /** `pausedShownAt`: the pause the page showed (its `createdAt`): a resume lifts no pause set after it. */
  req: { repo: string; project: string; action: "pause" | "resume"; reason?: string; pausedShownAt?: string },
): Promise<Outcome<{ action: "pause" } | { action: "resume"; jobId: number }>> {
  const known = readable(p, req.repo) && (await deps.store.driftChecks()).some((c) => c.repo === req.repo && c.project === req.project);
  if (!known) return refuse(404, "No such project", "There is no such project checked for drift that you can see.");
  if (!canWrite(p.access.get(req.repo.toLowerCase())))
    return refuse(
      403,
      "Not allowed",
      `${req.action === "pause" ? "Pausing" : "Resuming"} reconciliation needs write access to ${req.repo}.`,
    );
  if (req.action === "resume") return driftResume(deps, p, req);
  const reason = (req.reason ?? "").trim();
  if (!reason) return refuse(400, "A reason is needed", "Say why reconciliation is paused.");
  if (reason.length > 300)
    return refuse(400, "The reason is too long", `Say why in at most 300 characters (this one has ${reason.length}).`);
  await deps.store.setDriftPause(req.repo, req.project, { actor: p.actor, reason });
  await deps.store.recordAudit({
    actor: p.actor,
    action: "drift-pause",
    repo: req.repo,
    project: req.project,
    detail: `${reason} (from ${p.via})`,
  });
  return { ok: true, value: { action: "pause" } };
}

async function driftResume(
  deps: ActionDeps,
  p: Principal,
  req: { repo: string; project: string; pausedShownAt?: string },
): Promise<Outcome<{ action: "resume"; jobId: number }>> {
  const left = delisted(deps, req.repo);
  if (left) return left;
  const shown = req.pausedShownAt || undefined;
  if (shown !== undefined && !Number.isFinite(Date.parse(shown)))
    return refuse(400, "Unknown pause", "The pause to resume is not named by a time; reload the page and try again.");
  // A drift check ran for the repo, so a job of it holds its installation and clone address.
  const last = await deps.store.lastJobTarget(req.repo);
  if (!last)
    return refuse(
      409,
      "Cannot resume here",
      `Sluice has no job of ${req.repo} to act for; comment \`/drift resume -p ${req.project}\` on its drift issue instead.`,
    );
  const jobId = await deps.store.enqueueInternal(
    { ...last, pr: 0, payloadHeadSha: undefined },
    {
      kind: "drift-pause",
      action: "resume",
      project: req.project,
      commandLine: `drift resume -p ${req.project} (from ${p.via})`,
      actor: p.actor,
      ...actorIdField(p.actorId),
      via: p.via,
      ...(p.granted ? { grant: p.access.get(req.repo.toLowerCase()) } : {}),
      ...(shown !== undefined ? { pausedShownAt: shown } : {}),
    },
  );
  // Not audited here: the job decides (its permissions rule may refuse) and records the resume.
  deps.log.info({ user: p.actor, via: p.via, repo: req.repo, project: req.project, jobId }, "drift resume queued");
  deps.wake();
  return { ok: true, value: { action: "resume", jobId } };
}
