import type { JobWith, SpecOf } from "../model/job.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { errorMessage } from "../util/errors.js";

/** ISO 8601 to the second, as GitHub keeps a check run's times. */
const toSecond = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

/**
 * After a click of the Apply button: its check run is marked completed again, a second later at
 * least than the click's body said, so that the next click sends a body of its own. The body of
 * this click now acts once (ingress keys it by that `completed_at`, see act-once-keys.ts): sent
 * again under another delivery id, it is the same click. A failure only means that a second click
 * on this run does nothing until the check changes (the log says so); `/apply` always works.
 */
export async function rearmApplyButton(
  vcs: Pick<VcsClient, "touchCheck">,
  job: Pick<JobWith<SpecOf<"apply">>, "target" | "spec" | "id">,
  log: { warn(obj: object, msg: string): void },
): Promise<void> {
  const clicked = job.spec.clicked;
  if (!clicked) return;
  const at = toSecond(Math.max(Date.now(), (Date.parse(clicked.completedAt) || 0) + 1000));
  await vcs.touchCheck(job.target.repo, clicked.checkRunId, clicked.conclusion, at).catch((e: unknown) => {
    log.warn(
      { jobId: job.id, checkRunId: clicked.checkRunId, err: errorMessage(e) },
      "could not mark the clicked check run completed again: another click on it does nothing until the check changes",
    );
  });
}
