import { inlineCode } from "../render/inline.js";
import { matchesFilter } from "../model/command.js";
import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { JobDeps } from "./job-deps.js";
import { releaseLocks } from "./release-locks.js";
import { authorizeCommand, replyRefused } from "./authorize-command.js";
import { usesAtlantisConfig } from "./uses-atlantis-config.js";
import { secretsFor } from "./secrets.js";
import { projectPermission } from "./change-control-facts.js";
import { jobMarker, printComment } from "../render/comment-body.js";

/** `/unlock [-p|-d|-w]`: answers with exactly what it released. */
export async function runUnlockJob(job: Job, deps: JobDeps): Promise<void> {
  if (job.spec.kind !== "unlock") throw new Error(`runUnlockJob got a ${job.spec.kind} job`);
  const { filter } = job.spec.command;
  const vcs = await deps.vcsFor(job);
  if (job.spec.viaAtlantis) {
    const pr = await vcs.pullRequest(job.target.repo, job.target.pr);
    if (!(await usesAtlantisConfig(deps, job, vcs, pr))) return;
  }
  const redact = secretsFor(deps).redact;
  const reply = async (body: string) => {
    if (job.commentIds.length > 0) return;
    const id = await vcs.createComment(
      job.target.repo,
      job.target.pr,
      printComment({ marker: jobMarker(job.id), text: redact(`**Sluice unlock**\n\n${body}`) }),
    );
    await deps.store.updateJob(job.id, { commentIds: [id] });
  };
  // Releasing a lock discards the plans made under it: as sensitive as applying them.
  const who = await authorizeCommand(vcs, deps, job, "unlock", "write");
  if (!who.allowed) return replyRefused(vcs, deps, job, `Nothing was released: ${who.reasons.join("; ")}.`);
  const repo = repoFullName(job.target.repo);
  const held = await deps.store.locksOf(repo, job.target.pr);
  const chosen = held.filter((l) => matchesFilter(l, filter));
  // The server's per-project `permissions` may name who may unlock a project, beyond write access.
  const denied: string[] = [];
  const mayRelease: typeof chosen = [];
  for (const l of chosen) {
    const d = await projectPermission(deps, vcs, job.target.repo, l.project, "unlock", job.spec.actor);
    if (d.allowed) mayRelease.push(l);
    else denied.push(`- ${inlineCode(l.project)}: ${d.reasons.join("; ")}`);
  }
  const released = mayRelease.length ? await releaseLocks(deps, job, mayRelease) : [];
  const lines = released.map((l) => `- ${inlineCode(l.project)} (${inlineCode(l.dir)}, workspace ${inlineCode(l.workspace)})`);
  const kept = denied.length ? `\n\nNot released:\n\n${denied.join("\n")}` : "";
  const body =
    (released.length
      ? `Released ${released.length} lock${released.length === 1 ? "" : "s"}; their plans were discarded:\n\n${lines.join("\n")}`
      : held.length
        ? "No lock of this pull request matches that filter; nothing was released."
        : "This pull request holds no locks; nothing was released.") + kept;
  await reply(body);
  if (job.spec.commentId) await vcs.react(job.target.repo, job.spec.commentId, "+1").catch(() => undefined);
}
