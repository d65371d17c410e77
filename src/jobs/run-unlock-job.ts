import { inlineCode } from "../render/inline.js";
import { matchesFilter } from "../model/command.js";
import { actorOf, type SpecOf } from "../model/job.js";
import type { JobContext } from "../job-context/job-context.js";
import { repoFullName } from "../model/repo.js";
import { releaseLocks } from "./release-locks.js";
import { askedBeforeFrom } from "../authorization/command-asked-at.js";
import { authorizeCommand, replyRefused } from "../authorization/authorize-command.js";
import { projectPermission } from "../authorization/change-control-facts.js";
import { ALLOWED } from "../policy/decision.js";
import { baseSettingsOf } from "../repo-reading/trusted-settings.js";

/** `/unlock [-p|-d|-w]`: answers with exactly what it released. */
export async function runUnlockJob(ctx: JobContext<SpecOf<"unlock">>): Promise<void> {
  const { job, deps, vcs } = ctx;
  const { filter } = job.spec.command;
  const reply = (body: string) => ctx.reply(`**Sluice unlock**\n\n${body}`);
  // Releasing a lock discards the plans made under it: as sensitive as applying them.
  const who = await authorizeCommand(vcs, deps, job, "unlock", "write");
  if (!who.allowed) return replyRefused(vcs, deps, job, `Nothing was released: ${who.reasons.join("; ")}.`);
  const repo = repoFullName(job.target.repo);
  const held = await deps.store.locksOf(repo, job.target.pr);
  const chosen = held.filter((l) => matchesFilter(l, filter));
  // The server's per-project `permissions` may name who may unlock a project, beyond write access.
  const denied: string[] = [];
  const mayRelease: typeof chosen = [];
  // Found by who each locked project is on the base branch, never by the name the PR gave it.
  const settings =
    chosen.length && deps.config.permissions.length
      ? await baseSettingsOf(deps, vcs, job, await vcs.pullRequest(job.target.repo, job.target.pr))
      : undefined;
  for (const l of chosen) {
    const d = settings
      ? await projectPermission(
          deps,
          vcs,
          settings.identityOf({ name: l.project, dir: l.dir, workspace: l.workspace }),
          "unlock",
          actorOf(job.spec),
        )
      : ALLOWED;
    if (d.allowed) mayRelease.push(l);
    else denied.push(`- ${inlineCode(l.project)}: ${d.reasons.join("; ")}`);
  }
  const released = mayRelease.length ? await releaseLocks(deps, job, mayRelease) : [];
  // Recorded here, for what was released, whichever road asked: a comment's unlock went unrecorded,
  // and the console's was recorded when it queued this job, as released even where this job refused.
  const settledAny: string[] = [];
  for (const l of released) {
    // A person released it after an apply of it failed or was cut short: they checked that state,
    // so this PR's close keeps no locks for that apply again (rule 8); a later failure keeps them.
    // After the release: a crash between the two leaves it unsettled, its locks kept once more.
    // Only a failure there before the command was asked: one after it (the unlock queued behind
    // that apply, or delivered late) its writer never saw, so it keeps the locks at the close.
    const settled = await deps.store.settleAppliesOfPr(repo, job.target.pr, [l], job.spec.actor, askedBeforeFrom(job));
    if (settled.length) settledAny.push(inlineCode(l.project));
    const settles = settled.length ? `; settles its failed or cut-short apply ${settled.map((a) => a.id).join(", ")}` : "";
    await deps.store.recordAudit({
      actor: job.spec.actor,
      action: "unlock",
      repo,
      project: l.project,
      pr: job.target.pr,
      detail: `released ${job.spec.via ? `from ${job.spec.via}` : "by `/unlock` on the pull request"} (dir ${l.dir}, workspace ${l.workspace}; job ${job.id})${settles}`,
    });
  }
  const lines = released.map((l) => `- ${inlineCode(l.project)} (${inlineCode(l.dir)}, workspace ${inlineCode(l.workspace)})`);
  const settledSaid = settledAny.length
    ? `\n\nAn apply of ${settledAny.join(", ")} here had failed or was cut short: this unlock records that ${inlineCode(job.spec.actor)} checked its state, so closing this pull request keeps no locks for that apply again (one that fails later does).`
    : "";
  const kept = denied.length ? `\n\nNot released:\n\n${denied.join("\n")}` : "";
  const body =
    (released.length
      ? `Released ${released.length} lock${released.length === 1 ? "" : "s"}; their plans were discarded:\n\n${lines.join("\n")}`
      : held.length
        ? "No lock of this pull request matches that filter; nothing was released."
        : "This pull request holds no locks; nothing was released.") +
    settledSaid +
    kept;
  await reply(body);
  if (job.spec.commentId) await vcs.react(job.target.repo, job.spec.commentId, "+1").catch(() => undefined);
}
