import { authorizeCommand } from "../../authorization/authorize-command.js";
import type { JobDeps } from "../../job-context/job-deps.js";
import { actorOf, type Job } from "../../model/job.js";
import { type Actor, authorOf } from "../../model/person.js";
import type { PullRequestInfo } from "../../model/pull-request.js";
import { repoFullName } from "../../model/repo.js";
import { ALLOWED, combine, type Decision } from "../../policy/decision.js";
import type { VcsClient } from "../../vcs/vcs-client.js";
import { queuedBySluice } from "../queued-by-sluice.js";
import { headCodeUsers } from "../../authorization/head-push-facts.js";

/** `actor` with its account id where known (the settings that name people match by it). */
export type PreviewPeople =
  | {
      ok: true;
      actor: Actor;
      /**
       * The same two asked again, for each preview's gate: a person demoted while the job ran is
       * refused there, not carried by what GitHub said at its start.
       */
      allowedNow: () => Promise<Decision>;
    }
  | { ok: false; notice: string };

/**
 * Who a sync of the pull request's previews acts for, and whether they may have one: never a
 * fork's unless the server says so; whoever asked (the pusher, the commenter) and the PR's author
 * must be writers, since a preview applies the author's code with the project's preview
 * credentials. A sync Sluice queued itself (after the autoplan it queues when a lock is released,
 * or for a head the heal found) acts for whoever was heard pushing its head when that is not the
 * author (a push to a PR waiting for a lock is the pusher's code: the sync that push made was
 * theirs), else for the author: they are asked, here and by the gate's `permissions`, never a
 * user named `sluice`.
 */
export async function previewPeople(
  vcs: VcsClient,
  deps: Pick<JobDeps, "config" | "store" | "log">,
  job: Job,
  pr: PullRequestInfo,
  /** The commenter's decision, when a command asked (already said on the PR when refused), and how to ask it again. */
  byCommand?: { allowed: Decision; now: () => Promise<Decision> },
): Promise<PreviewPeople> {
  if (pr.headRepo !== repoFullName(job.target.repo) && !deps.config.previews_from_forks) {
    return {
      ok: false,
      notice: "No preview: this pull request comes from a fork, and a preview applies its code (server setting `previews_from_forks`).",
    };
  }
  const actor = queuedBySluice(job) ? await pusherOrAuthor(deps, vcs, job, pr) : actorOf(job.spec);
  const as = (who: Actor) => ({ ...job, spec: { ...job.spec, actor: who.login, actorId: who.id, grant: undefined } }) as Job;
  const askerJob = actor.login === job.spec.actor && actor.id === actorOf(job.spec).id ? job : as(actor);
  const askerNow = byCommand?.now ?? (() => authorizeCommand(vcs, deps, askerJob, "preview", "write"));
  // The author asked: one question. Otherwise the author's answer is said as the author's.
  const authorNow = async () =>
    pr.author.toLowerCase() === actor.login.toLowerCase()
      ? ALLOWED
      : authorsPart(await authorizeCommand(vcs, deps, as(authorOf(pr)), "preview", "write"));
  const both = combine(byCommand?.allowed ?? (await askerNow()), await authorNow());
  if (both.allowed) return { ok: true, actor, allowedNow: async () => combine(await askerNow(), await authorNow()) };
  return { ok: false, notice: `No preview: ${both.reasons.join("; ")}.` };
}

/** The author's refusal, said as the author's. */
function authorsPart(d: Decision): Decision {
  return d.allowed ? d : { allowed: false, reasons: d.reasons.map((r) => `the pull request's author: ${r}`) };
}

/** Who a sync Sluice queued acts for: a pusher of the head other than its author (heard or not), else the author. */
async function pusherOrAuthor(deps: Pick<JobDeps, "store">, vcs: VcsClient, job: Job, pr: PullRequestInfo): Promise<Actor> {
  // With the account id the push's event gave (none: known by login only); the author's is GitHub's.
  const [author, pusher] = await headCodeUsers(deps.store, vcs, job.target.repo, pr);
  return pusher ?? author ?? { login: pr.author };
}
