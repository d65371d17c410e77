import { USAGE } from "../command/usage.js";
import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { renderInvalid, renderUsage } from "../render/render-usage.js";

/** `/help`, or a command that is ours but malformed or disabled: the usage, and why. */
export async function runReplyJob(ctx: JobContext<SpecOf<"reply">>): Promise<void> {
  const { job, vcs, secrets } = ctx;
  const spec = job.spec;
  await ctx.reply(spec.body === "help" ? renderUsage(USAGE) : renderInvalid(spec.reason ?? "invalid command", USAGE, secrets.redact));
  if (spec.body === "invalid") await vcs.react(job.target.repo, spec.commentId, "confused").catch(() => undefined);
}
