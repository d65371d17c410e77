import { actorOf, type SpecOf } from "../model/job.js";
import { jobPeople, namesAccount } from "../policy/named-people.js";
import type { JobContext } from "../job-context/job-context.js";
import { repoFullName } from "../model/repo.js";
import { escapeText } from "../render/escape-text.js";
import { askedBeforeFrom } from "../authorization/command-asked-at.js";

const stamp = (iso: string) => `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC`;

/**
 * `/applies pause [-- reason]` and `/applies resume`: the same emergency brake as the console's
 * "Pause applies", from any PR or issue, for the server's `admins` only. While paused, every
 * `/apply`, button click and apply on merge is refused with who paused and why.
 */
export async function runAppliesJob(ctx: JobContext<SpecOf<"applies">>): Promise<void> {
  const { job, deps, vcs } = ctx;
  const { command, actor, commentId } = job.spec;
  const reply = async (text: string, reaction: "+1" | "-1") => {
    await ctx.reply(`**Sluice applies**\n\n${text}`);
    await vcs.react(job.target.repo, commentId, reaction).catch(() => undefined);
  };
  // By account id: a login the admin gave up and someone else registered is not the admin.
  const admin = await namesAccount(jobPeople(deps, vcs), deps.config.admins, actorOf(job.spec));
  if (!admin) {
    return reply(
      `Nothing changed: only this server's admins (server setting \`admins\`) may pause or resume applies, and @​${escapeText(actor)} is not one.`,
      "-1",
    );
  }
  const where = { repo: repoFullName(job.target.repo), pr: job.target.pr };
  if (command.action === "pause") {
    const reason = command.reason?.trim() || "no reason given";
    await deps.store.setAppliesPaused({ by: actor, reason });
    await deps.store.recordAudit({ actor, action: "pause", ...where, detail: reason });
    return reply(
      `Applies are paused on this Sluice server (${escapeText(reason)}). Every \`/apply\`, Apply button and apply on merge is refused until an admin comments \`/applies resume\` or resumes them in the console.`,
      "+1",
    );
  }
  // A resume asked before the pause it would lift (redelivered late, or queued behind it) never saw
  // why applies were paused: the brake stays on until someone who did asks again. One conditional
  // delete: a pause set while this runs (another replica's) is newer than the comment and stays.
  const { lifted, still: paused } = await deps.store.resumeApplies(askedBeforeFrom(job));
  // A pause it lifted is audited whatever came after it: another replica's pause may follow at once.
  if (lifted || !paused) await deps.store.recordAudit({ actor, action: "resume", ...where, detail: "applies resumed" });
  if (paused && lifted)
    return reply(
      `The pause of ${stamp(lifted.at)} by @​${escapeText(lifted.by)} is lifted, but applies were paused again at ${stamp(paused.at)} by @​${escapeText(paused.by)} (${escapeText(paused.reason)}) as this resume ran: they stay paused. Comment \`/applies resume\` again to resume them.`,
      "-1",
    );
  if (paused) {
    const asked = job.spec.commentAt ?? job.createdAt;
    return reply(
      `Nothing changed: this \`/applies resume\` was asked at ${stamp(asked)}, before applies were paused at ${stamp(paused.at)} by @​${escapeText(paused.by)} (${escapeText(paused.reason)}), so it never saw that pause. Comment \`/applies resume\` again to resume them.`,
      "-1",
    );
  }
  return reply("Applies are resumed on this Sluice server.", "+1");
}
