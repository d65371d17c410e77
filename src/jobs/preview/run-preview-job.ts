import type { Job } from "../../model/job.js";
import { repoFullName } from "../../model/repo.js";
import { ALLOWED, type Decision } from "../../policy/decision.js";
import { formatDuration } from "../../util/duration.js";
import { authorizeCommand, replyRefused } from "../../authorization/authorize-command.js";
import type { JobDeps } from "../../job-context/job-deps.js";
import { secretsFor } from "../../job-context/secrets.js";
import { postPreviewComment } from "./post-preview-comment.js";
import { destroyAllPreviews } from "./destroy-all-previews.js";
import { previewRun } from "./preview-run.js";
import { syncAllPreviews } from "./sync-all-previews.js";

type Spec = Extract<Job["spec"], { kind: "preview" }>;

/**
 * A pull request's previews: synced to its head when it opens or changes, destroyed when it
 * closes or their time is up, and `/preview destroy|recreate|extend` from writers. Every apply
 * and destroy passes the gate (preview-apply, preview-destroy); the PR's preview comment says
 * where each one stands.
 */
export function runPreviewJob(job: Job, deps: JobDeps, now: () => number = Date.now): Promise<void> {
  // One preview job of a pull request at a time, across replicas: a close's teardown and a push's
  // sync (or two syncs) never interleave, so neither acts on what the other is changing.
  return deps.store.runExclusive(`preview|${repoFullName(job.target.repo)}|${job.target.pr}`, () => previewJob(job, deps, now));
}

async function previewJob(job: Job, deps: JobDeps, now: () => number): Promise<void> {
  if (job.spec.kind !== "preview") throw new Error(`runPreviewJob got a ${job.spec.kind} job`);
  const spec = job.spec;
  const { repo } = job.target;
  const name = repoFullName(repo);
  const byCommand = spec.commentId !== undefined;
  // A person asked (a comment, or the console's or the API's Destroy): checked when the job runs,
  // and the one the gate, its audit and the run's credentials name; otherwise Sluice acts itself.
  const byPerson = byCommand || spec.via !== undefined;
  const mine = (await deps.store.previewsOf(name, job.target.pr)).filter((p) => !spec.project || p.project === spec.project);
  // A PR closed (or checked) with nothing live: nothing to destroy, nothing to say, nothing to ask GitHub.
  const live = mine.filter((p) => p.status !== "destroyed");
  if ((spec.action === "destroy" || spec.action === "check") && !live.length && !byCommand) return;
  const vcs = await deps.vcsFor(job);
  const secrets = secretsFor(deps);
  const pr = await vcs.pullRequest(repo, job.target.pr);
  let actorAllowed: Decision = ALLOWED;
  const actorNow = byPerson ? () => authorizeCommand(vcs, deps, job, "preview", "write") : async () => ALLOWED;
  if (byPerson) {
    if (byCommand) void vcs.react(repo, spec.commentId as number, "eyes").catch(() => undefined);
    actorAllowed = await actorNow();
    if (!actorAllowed.allowed) return replyRefused(vcs, deps, job, `Not done: ${actorAllowed.reasons.join("; ")}.`);
  }
  deps.log.info(
    { jobId: job.id, repo: name, pr: pr.number, action: spec.action, previews: mine.map((p) => `${p.project}:${p.status}`) },
    `preview ${spec.action}${spec.reason ? `: ${spec.reason}` : ""}`,
  );
  // An extension only moves a date: it clones nothing, so it asks GitHub for no token.
  const token = spec.action === "extend" ? "" : await vcs.cloneToken();
  if (token) secrets.add([token]);
  const run = previewRun({ job, spec, deps, vcs, secrets, pr, token, now, byCommand, byPerson, actorAllowed, actorNow });
  const { notices, outputs, retaken } = run;
  const post = () => postPreviewComment(deps, vcs, repo, pr.number, notices, outputs, secrets.redact, now());

  if (spec.action === "extend") {
    const extendable = mine.filter((p) => p.status === "live" || p.status === "failed");
    if (!extendable.length) notices.push("There is no live preview to extend.");
    for (const p of extendable) {
      await deps.store.savePreview({ ...p, extendedUntil: now() + (spec.extendMs ?? 0), updatedAt: now() });
    }
    if (extendable.length)
      notices.push(`@\u200b${spec.actor} extended the previews by ${formatDuration(spec.extendMs ?? 0)} (never past \`max_age\`).`);
    return post();
  }

  if (spec.action === "check") {
    // A close Sluice missed (it was down, the delivery was lost): the sweep's question, answered here.
    if (pr.state === "open") return;
    await destroyAllPreviews(
      run,
      mine.filter((p) => p.status !== "destroyed"),
      pr.merged ? "the pull request was merged" : "the pull request was closed",
    );
    return post();
  }
  if (spec.action === "destroy" || spec.action === "recreate") {
    const targets = mine.filter((p) => p.status !== "destroyed");
    const reason = spec.reason ?? `\`/preview ${spec.action}\` by @\u200b${spec.actor}`;
    for (const n of await destroyAllPreviews(run, targets, reason)) retaken.add(n);
    if (spec.action === "destroy") {
      if (!targets.length && byCommand) notices.push("There is no preview to destroy.");
      return post();
    }
  }
  // A closed PR is not synced; a recreate's destroy above still reports what it did.
  if (pr.state !== "open") return spec.action === "recreate" && live.length ? post() : undefined;
  // Pushes in a row: the newest queued sync applies the newest head; this one would only be replaced.
  const newer = (await deps.store.activeJobsOf(name, pr.number)).some(
    (j) =>
      j.id > job.id && j.status === "queued" && j.spec.kind === "preview" && (j.spec.action === "sync" || j.spec.action === "recreate"),
  );
  if (newer && spec.action === "sync") return;
  const synced = await syncAllPreviews(run);
  if (synced || mine.length || notices.length) await post();
}

export type { Spec as PreviewSpec };
